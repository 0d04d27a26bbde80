#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod check;
pub mod compat;
pub mod cpu;
pub mod cuda;
pub mod derive;
pub mod dist;
pub mod dropout;
pub mod error;
pub mod generator;
pub mod kat;
pub mod reduce;
pub mod rng;
pub mod stream;

pub use cpu::{CpuBackend, CpuOptions};
pub use error::Error;
pub use generator::{Algorithm, Family, Shape};
pub use stream::{Key, Stream};

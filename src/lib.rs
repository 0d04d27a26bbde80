#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod check;
pub mod cpu;
pub mod cuda;
pub mod derive;
pub mod dist;
pub mod dropout;
pub mod error;
pub mod generator;
pub mod grammar;
pub mod kat;
#[doc(hidden)]
pub mod npy;
pub mod reduce;
pub mod rng;
pub mod stream;

pub use cpu::{CpuBackend, CpuOptions};
pub use error::Error;
pub use generator::{Algorithm, Family, Shape};
pub use stream::{Key, Stream};

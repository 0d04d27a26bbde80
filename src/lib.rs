#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod check;
pub mod compat;
pub mod cpu;
#[cfg(feature = "cuda")]
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
/// The `cudarc` this crate is built with, so a user's device buffers and
/// contexts are of the same version as [`cuda::Gpu`]'s.
#[cfg(feature = "cuda")]
pub use cudarc;
pub use error::Error;
pub use generator::{Algorithm, Family, Shape};
/// The `half` this crate is built with (`f16`, `bf16` element types).
pub use half;
pub use stream::{Key, Stream};

//! cbrng: counter-based random numbers (the Random123 family) with one exact
//! stream contract on CPU and GPU.
#![warn(missing_docs)]

mod cpu;
pub mod check;
pub mod cuda;
pub mod derive;
pub mod dist;
pub mod error;
pub mod generator;
pub mod kat;
pub mod rng;
pub mod stream;

pub use error::Error;
pub use generator::{Algorithm, Family, Shape};
pub use stream::{Key, Stream};

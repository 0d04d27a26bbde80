//! Counter-based random numbers (Philox and Threefry) with one exact stream
//! contract: a (generator, key, stream id, element index, distribution,
//! dtype) gives the same bits on every machine, CPU or GPU, and any slice of
//! a stream can be made on its own.
//!
//! # Quick start
//!
//! ```
//! use cbrng::{Algorithm, Stream, dist::Distribution};
//! // 1. A random tensor: normal f32, seed 42, stream 0, elements [0, 4096).
//! let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?;
//! let normal = Distribution::Normal { mean: 0.0, std: 1.0 };
//! let mut x = vec![0f32; 4096];
//! s.fill(&normal, 0, &mut x)?;
//! #[cfg(feature = "cuda")] // The same bits on a GPU, when there is one.
//! if let Ok(gpu) = cbrng::cuda::default_gpu() {
//!     let mut d = gpu.stream().alloc_zeros::<f32>(x.len())?;
//!     gpu.fill(&s, &normal, 0, &mut d)?;
//!     assert_eq!(gpu.stream().clone_dtoh(&d)?, x);
//! }
//! // 2. Dropout whose mask the backward pass regenerates (step 0, layer 3).
//! let d = cbrng::dropout::DropoutKeys::new(Algorithm::PHILOX4X32_10, 7)?.dropout(0, 3, 0.1)?;
//! let mut y = vec![0f32; 4096];
//! d.forward(0, &x, &mut y)?;
//! // 3. An exact sum: correctly rounded, in any order, on any thread count.
//! assert_eq!(cbrng::reduce::sum(&[1e30f32, 1.0, -1e30]), 1.0);
//! # Ok::<(), cbrng::Error>(())
//! ```
//!
//! Without tracking offsets: a [`Generator`] (seed, stream and a position
//! that advances across calls, like NumPy's `Generator`), or the rand_core
//! adapters in [`rng`] (`Philox4x32Rng`, ...) under rand's distributions,
//! or cbrng's own exact distributions one element at a time from any
//! rand_core RNG with [`dist::Sampler`] (on cbrng's RNGs, the same values as
//! a fill; with the `rand` feature, a `rand::distr::Distribution`).
//!
//! # The contract
//!
//! A stream is (generator, key, stream id). Its block `b` is the block
//! function ([`generator`]) at a counter made of `b` and the stream id
//! ([`stream`]); its u32 elements are the blocks' words in order, its u64
//! elements pairs of them. A u64 seed maps to the key by [`Key::from_seed`].
//! Each distribution ([`dist`]) and dtype reads a fixed set of stream
//! elements per output element, so element `i` never depends on how the
//! stream was cut into calls, threads or devices. The contract is versioned
//! ([`stream::CONTRACT_VERSION`]); the README states it in full, with its
//! tables.
//!
//! **Different dtypes of one stream are not independent**: uniform f64
//! element 0 and uniform f32 element 1 read the same bits, so they are nearly
//! equal. Use a different stream id (or a derived key, [`derive`](mod@derive)) for each
//! tensor.
//!
//! # Modules
//!
//! - [`stream`]: keys, streams and fills; [`dist`]: distributions and dtypes.
//! - [`rng`]: rand_core generators; [`derive`](mod@derive): key derivation by labels.
//! - [`dropout`]: deterministic dropout; [`reduce`]: exact sums, dots, norms,
//!   and their exact all-reduce (limb form; over MPI with feature `mpi`, over
//!   NCCL with feature `nccl`).
//! - [`shuffle`]: a random-access permutation (epoch orders for data loaders).
//! - [`compat`]: the streams of NumPy, JAX, cuRAND's device API and PyTorch's
//!   CUDA generator, replayed on the CPU.
//! - [`cuda`] (feature `cuda`, default on): the GPU engine, bit for bit the CPU's.
//! - [`cpu`]: the CPU engine's options (SIMD backend, threads).
//! - [`grammar`]: the value grammar of the `cbrng` program (feature `cli`).
//!
//! Errors are values: every fallible call returns [`Error`]; nothing panics
//! on bad input.
#![warn(missing_docs)]

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[doc(hidden)]
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
mod generator_state;
pub mod grammar;
#[doc(hidden)]
pub mod kat;
#[doc(hidden)]
pub mod npy;
pub mod reduce;
pub mod rng;
pub mod shuffle;
pub mod stream;

pub use cpu::{CpuBackend, CpuOptions};
/// The `cudarc` this crate is built with, so a user's device buffers and
/// contexts are of the same version as [`cuda::Gpu`]'s.
#[cfg(feature = "cuda")]
pub use cudarc;
/// [`dist::Distribution`] under a name that does not clash with
/// `rand::distr::Distribution` in a `use` list.
pub use dist::Distribution as Dist;
pub use error::Error;
pub use generator::{Algorithm, Family, Shape};
pub use generator_state::Generator;
/// The `half` this crate is built with (`f16`, `bf16` element types).
pub use half;
pub use stream::{Key, Stream};

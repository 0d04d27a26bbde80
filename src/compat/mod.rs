//! Compat streams: other systems' random numbers, reproduced bit for bit.
//!
//! One module per system, each naming at its top the version it was checked
//! against and giving the definition in the order that system computes it,
//! with the system's own source file named beside each step:
//!
//! * [`numpy`]: `numpy.random.Generator(numpy.random.Philox(seed))` (NumPy 2.x).
//! * [`jax`]: `jax.random` with the default threefry2x32 (JAX 0.7).
//! * [`curand`]: cuRAND's device API for Philox4_32_10 (CUDA 12.9 headers).
//! * [`torch`]: PyTorch's CUDA distribution kernels replayed for a named GPU.
//! * [`libdevice`]: the NVIDIA libdevice functions XLA:GPU calls for JAX's
//!   `normal` (`__nv_log1pf`, `__nv_log1p`; CUDA 12.9), in IEEE arithmetic.
//!
//! These definitions sit above cbrng's own stream contract: they use its
//! block functions ([`crate::generator`]) but not its counter layout, which
//! each system defines for itself. The `cbrng compat SYSTEM ...` command
//! prints their elements. Their GPU twins are `kernels/compat/`, launched
//! by `cbrng::cuda::compat` (feature `cuda`; `cbrng compat ... --engine cuda`).

pub mod curand;
mod glibc;
pub mod jax;
pub mod libdevice;
pub mod numpy;
mod simd;
pub mod torch;
#[rustfmt::skip]
mod numpy_ziggurat;

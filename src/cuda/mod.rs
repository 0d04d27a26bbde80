//! The CUDA side: finding the GPU without ever letting cudarc panic on a
//! missing library ([`probe`]), the kernel sources ([`source`]), NVRTC
//! ([`nvrtc`]), the GPU engine ([`Gpu`]: fills and dropout on the caller's
//! device buffers, bit for bit the CPU's; exact sums of device buffers, bit
//! for bit [`crate::reduce`]'s, with [`ReduceShape`] for the launch shape) and
//! cross-checks ([`check`]).
//!
//! Kernels are compiled at run time by NVRTC for the device's own
//! architecture (`--gpu-architecture=sm_XY`, `--fmad=false`, no approximate math),
//! a fill module and a dropout module per (generator, round count) and one
//! module for the exact sums, each compiled on first use, loaded once per
//! context and cached for the life of the process.

pub mod check;
mod dropout;
mod gpu;
pub mod kernels;
pub mod nvrtc;
mod reduce;
pub mod source;

pub use check::CrossCheck;
pub use dropout::DeviceMaskOut;
pub use gpu::{DEVICE_INDEX_LIMIT, DeviceElement, Gpu, default_gpu};
pub use kernels::kernel_names;
pub use reduce::ReduceShape;

use crate::error::Error;
use cudarc::driver::{result, sys};

/// What `cbrng info` records about a GPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GpuInfo {
    /// Device ordinal.
    pub ordinal: usize,
    /// Device name, e.g. "NVIDIA H100 80GB HBM3".
    pub name: String,
    /// Compute capability (major, minor).
    pub compute_capability: (i32, i32),
    /// CUDA driver API version, e.g. 13000 for 13.0.
    pub driver_version: i32,
}

/// True when the CUDA driver library (libcuda) can be loaded. Checked before
/// any other driver call: cudarc panics when the library is missing.
pub fn driver_present() -> bool {
    // SAFETY: only tries to dlopen the library by name.
    unsafe { sys::is_culib_present() }
}

fn gpu_err(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::Gpu {
        reason: format!("{what}: {e:?}"),
    }
}

/// Lists the GPUs, or says why there are none.
pub fn probe() -> Result<Vec<GpuInfo>, Error> {
    if !driver_present() {
        return Err(Error::Gpu {
            reason: "no CUDA driver (libcuda) found on this machine".into(),
        });
    }
    result::init().map_err(|e| gpu_err("cuInit failed", e))?;
    let mut version = 0i32;
    // SAFETY: the library is present (checked above) and `version` is a valid out-pointer.
    unsafe { sys::cuDriverGetVersion(&mut version) }
        .result()
        .map_err(|e| gpu_err("cuDriverGetVersion failed", e))?;
    let count = result::device::get_count().map_err(|e| gpu_err("cuDeviceGetCount failed", e))?;
    if count == 0 {
        return Err(Error::Gpu {
            reason: "the CUDA driver reports no devices".into(),
        });
    }
    (0..count)
        .map(|i| {
            let dev = result::device::get(i).map_err(|e| gpu_err("cuDeviceGet failed", e))?;
            let name =
                result::device::get_name(dev).map_err(|e| gpu_err("cuDeviceGetName failed", e))?;
            let attr = |a| {
                // SAFETY: valid device handle from cuDeviceGet.
                unsafe { result::device::get_attribute(dev, a) }
                    .map_err(|e| gpu_err("cuDeviceGetAttribute failed", e))
            };
            let major =
                attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)?;
            let minor =
                attr(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)?;
            Ok(GpuInfo {
                ordinal: i as usize,
                name,
                compute_capability: (major, minor),
                driver_version: version,
            })
        })
        .collect()
}

//! The CUDA side: finding the GPU without ever letting cudarc panic on a
//! missing library ([`probe`]), the kernel sources ([`source`]), NVRTC
//! ([`nvrtc`]), the GPU engine ([`Gpu`]: fills and dropout on the caller's
//! device buffers, bit for bit the CPU's; exact sums of device buffers, bit
//! for bit [`crate::reduce`]'s, with [`ReduceShape`] for the launch shape; the
//! compat streams of [`crate::compat`], in [`compat`]) and cross-checks
//! ([`check`]).
//!
//! Kernels are compiled at run time by NVRTC to machine code for the
//! device's own architecture (`--gpu-architecture=sm_XY`, `--fmad=false`, no
//! approximate math; the compat module alone with `--fmad=true`, as the
//! systems it reproduces are built: [`compat::compat_options`]), or to PTX for a device newer than NVRTC knows (see
//! [`nvrtc::choose_target`]): a fill module and a dropout module per
//! (generator, round count) and one module for the exact sums, each compiled
//! on first use once per process and loaded once per [`Gpu`] handle.

mod allreduce;
mod categorical;
pub mod check;
pub mod compat;
mod dropout;
mod gpu;
pub mod kernels;
pub mod nvrtc;
mod reduce;
mod shuffle;
pub mod source;

#[cfg(feature = "nccl")]
pub use allreduce::{REQUIRED_NCCL_SYMBOLS, allreduce_exact, check_nccl};
pub use categorical::DeviceCategorical;
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

/// Every CUDA driver entry point that cbrng calls, itself or through
/// cudarc's safe layer, on the paths it takes (handles, modules, launches,
/// copies, events, exact sums, the program's commands). cudarc resolves a
/// symbol when first called and panics when the library lacks it, so
/// [`probe`] checks them all at once and reports the missing ones instead.
/// `tests/driver_stub.rs` runs the program against a stub libcuda that
/// exports exactly these, so a path that needs one more fails there.
pub const REQUIRED_DRIVER_SYMBOLS: &[&str] = &[
    "cuInit",
    "cuGetErrorString",
    "cuDriverGetVersion",
    "cuDeviceGetCount",
    "cuDeviceGet",
    "cuDeviceGetName",
    "cuDeviceGetAttribute",
    "cuDevicePrimaryCtxRetain",
    "cuDevicePrimaryCtxRelease_v2",
    "cuCtxSetCurrent",
    "cuCtxGetCurrent",
    "cuCtxSynchronize",
    "cuModuleLoadData",
    "cuModuleUnload",
    "cuModuleGetFunction",
    "cuFuncGetAttribute",
    "cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags",
    "cuLaunchKernel",
    "cuStreamSynchronize",
    "cuStreamWaitEvent",
    "cuMemAllocAsync",
    "cuMemAlloc_v2",
    "cuMemFreeAsync",
    "cuMemFree_v2",
    "cuMemsetD8Async",
    "cuMemcpyHtoDAsync_v2",
    "cuMemcpyDtoHAsync_v2",
    "cuMemcpyDtoDAsync_v2",
    "cuPointerGetAttribute",
    "cuEventCreate",
    "cuEventRecord",
    "cuEventSynchronize",
    "cuEventDestroy_v2",
    "cuEventElapsedTime",
];

/// True when the loaded CUDA driver exports `symbol` (false without a driver).
pub fn driver_has_symbol(symbol: &str) -> bool {
    if !driver_present() {
        return false;
    }
    // SAFETY: the library is present (checked above), so culib() loads it
    // without panicking; looking a symbol up calls nothing.
    unsafe {
        sys::culib()
            .get::<unsafe extern "C" fn()>(symbol.as_bytes())
            .is_ok()
    }
}

/// The entries of `symbols` that the loaded driver lacks.
pub fn missing_driver_symbols(symbols: &[&'static str]) -> Vec<&'static str> {
    symbols
        .iter()
        .copied()
        .filter(|s| !driver_has_symbol(s))
        .collect()
}

pub(crate) fn require_driver() -> Result<(), Error> {
    if !driver_present() {
        return Err(Error::Gpu {
            reason: "no CUDA driver (libcuda) found on this machine".into(),
        });
    }
    let missing = missing_driver_symbols(REQUIRED_DRIVER_SYMBOLS);
    if !missing.is_empty() {
        return Err(Error::Gpu {
            reason: format!(
                "the CUDA driver (libcuda, {}) lacks {}: update the NVIDIA driver",
                driver_version_text(),
                missing.join(", ")
            ),
        });
    }
    Ok(())
}

/// The driver's CUDA version as `cuDriverGetVersion` reports it (13000 for
/// 13.0).
pub fn driver_version() -> Result<i32, Error> {
    require_driver()?;
    let mut version = 0i32;
    // SAFETY: the library and symbol are present (checked above) and
    // `version` is a valid out-pointer; the call needs no cuInit.
    unsafe { sys::cuDriverGetVersion(&mut version) }
        .result()
        .map_err(|e| gpu_err("cuDriverGetVersion failed", e))?;
    Ok(version)
}

/// "CUDA 13.0", or "version unknown" when it cannot be read.
pub(crate) fn driver_version_text() -> String {
    if !driver_present() || !driver_has_symbol("cuDriverGetVersion") {
        return "version unknown".into();
    }
    let mut v = 0i32;
    // SAFETY: library and symbol present; valid out-pointer.
    match unsafe { sys::cuDriverGetVersion(&mut v) }.result() {
        Ok(()) => format!("CUDA {}.{}", v / 1000, (v % 1000) / 10),
        Err(_) => "version unknown".into(),
    }
}

/// Milliseconds between two recorded CUDA events (waits for both).
/// cudarc's `CudaEvent::elapsed_ms` calls `cuEventElapsedTime_v2`, which
/// drivers before CUDA 12.8 lack (cudarc would panic on the missing symbol);
/// this calls whichever of the two the driver has.
pub fn event_elapsed_ms(
    start: &cudarc::driver::CudaEvent,
    stop: &cudarc::driver::CudaEvent,
) -> Result<f32, Error> {
    start
        .synchronize()
        .map_err(|e| gpu_err("synchronising an event", e))?;
    stop.synchronize()
        .map_err(|e| gpu_err("synchronising an event", e))?;
    type Elapsed = unsafe extern "C" fn(*mut f32, sys::CUevent, sys::CUevent) -> sys::CUresult;
    let name: &[u8] = if driver_has_symbol("cuEventElapsedTime_v2") {
        b"cuEventElapsedTime_v2"
    } else {
        b"cuEventElapsedTime"
    };
    // SAFETY: the driver is present (the events exist); both symbols have
    // this signature in every CUDA version that exports them.
    let f = unsafe { sys::culib().get::<Elapsed>(name) }
        .map_err(|e| gpu_err("the CUDA driver has no cuEventElapsedTime", e))?;
    let mut ms = 0f32;
    // SAFETY: two live, recorded, completed events; `ms` is a valid out-pointer.
    unsafe { f(&mut ms, start.cu_event(), stop.cu_event()) }
        .result()
        .map_err(|e| gpu_err("cuEventElapsedTime failed", e))?;
    Ok(ms)
}

fn gpu_err(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::Gpu {
        reason: format!("{what}: {e:?}"),
    }
}

/// Lists the GPUs, or says why there are none.
pub fn probe() -> Result<Vec<GpuInfo>, Error> {
    require_driver()?;
    result::init().map_err(|e| gpu_err("cuInit failed", e))?;
    let version = driver_version()?;
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

/// The ordinal of the CUDA device that holds the memory at `ptr`, as the
/// driver records it (`CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL`): for callers
/// that hold a device pointer without its device, such as an array's
/// `__cuda_array_interface__`. An address the driver does not know as
/// device memory, or no driver, is an [`Error::Gpu`].
pub fn pointer_device(ptr: u64) -> Result<usize, Error> {
    require_driver()?;
    result::init().map_err(|e| gpu_err("cuInit failed", e))?;
    let mut ordinal: i32 = -1;
    // SAFETY: `ordinal` is storage of the attribute's type (an i32); the
    // driver only reads `ptr`'s allocation record.
    unsafe {
        sys::cuPointerGetAttribute(
            (&mut ordinal as *mut i32).cast(),
            sys::CUpointer_attribute::CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL,
            ptr,
        )
    }
    .result()
    .map_err(|e| Error::Gpu {
        reason: format!(
            "the buffer at {ptr:#x} is not device memory the CUDA driver knows ({e:?})"
        ),
    })?;
    usize::try_from(ordinal).map_err(|_| Error::Gpu {
        reason: format!("the CUDA driver gives the buffer at {ptr:#x} device ordinal {ordinal}"),
    })
}

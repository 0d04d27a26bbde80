//! Compiling CUDA sources at run time with NVRTC, through cudarc's thin
//! `nvrtc::result` layer so that the compiler log (warnings included) is kept
//! even when compilation succeeds.
//!
//! cudarc loads `libnvrtc` by name (`libnvrtc.so.13` and friends, found through
//! the loader's search path, e.g. `LD_LIBRARY_PATH`) and panics when it is
//! missing, so [`nvrtc_present`] is checked before any other call here.

use crate::error::Error;
use cudarc::nvrtc::{result, sys};
use std::ffi::{CString, c_char};

/// True when the NVRTC library can be loaded (checked before any NVRTC call:
/// cudarc panics when the library is missing).
pub fn nvrtc_present() -> bool {
    // SAFETY: only tries to dlopen the library by its candidate names.
    unsafe { sys::is_culib_present() }
}

/// NVRTC's version (major, minor), or why it cannot be had.
pub fn nvrtc_version() -> Result<(i32, i32), Error> {
    require_nvrtc()?;
    let (mut major, mut minor) = (0, 0);
    // SAFETY: the library is present and both are valid out-pointers.
    unsafe { sys::nvrtcVersion(&mut major, &mut minor) }
        .result()
        .map_err(|e| nvrtc_err("nvrtcVersion failed", e))?;
    Ok((major, minor))
}

/// The architectures this NVRTC can compile for, as `10 * major + minor`
/// (NVRTC 13.0: 75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121).
pub fn supported_archs() -> Result<Vec<i32>, Error> {
    require_nvrtc()?;
    let mut n = 0;
    // SAFETY: the library is present and `n` is a valid out-pointer.
    unsafe { sys::nvrtcGetNumSupportedArchs(&mut n) }
        .result()
        .map_err(|e| nvrtc_err("nvrtcGetNumSupportedArchs failed", e))?;
    let mut archs = vec![0i32; n.max(0) as usize];
    if !archs.is_empty() {
        // SAFETY: `archs` holds the `n` entries NVRTC writes.
        unsafe { sys::nvrtcGetSupportedArchs(archs.as_mut_ptr()) }
            .result()
            .map_err(|e| nvrtc_err("nvrtcGetSupportedArchs failed", e))?;
    }
    Ok(archs)
}

/// What the kernels are compiled to for one device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompileTarget {
    /// Machine code (CUBIN) for `sm_<arch>`, loaded as it is: no JIT by the
    /// driver, and a driver of the same CUDA major version as NVRTC (or
    /// newer) loads it, whatever its minor version.
    Cubin {
        /// `10 * major + minor` of the architecture compiled for (the
        /// device's own, or an older one of the same major version, which
        /// the device runs).
        arch: i32,
    },
    /// PTX for `compute_<arch>`, compiled to machine code by the driver when
    /// loaded: for a device newer than this NVRTC knows. The driver must be
    /// at least as new as NVRTC to read its PTX.
    Ptx {
        /// `10 * major + minor` of the virtual architecture.
        arch: i32,
    },
}

impl CompileTarget {
    /// The value of NVRTC's `--gpu-architecture` option (`sm_90`, `compute_120`).
    pub fn arch_option(&self) -> String {
        match self {
            CompileTarget::Cubin { arch } => format!("sm_{arch}"),
            CompileTarget::Ptx { arch } => format!("compute_{arch}"),
        }
    }
}

impl std::fmt::Display for CompileTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileTarget::Cubin { arch } => write!(f, "CUBIN for sm_{arch}"),
            CompileTarget::Ptx { arch } => write!(f, "PTX for compute_{arch}"),
        }
    }
}

/// The pip package of an NVRTC for CUDA `major`.x.
fn nvrtc_package(major: i32) -> String {
    match major {
        13 => "`pip install 'nvidia-cuda-nvrtc==13.0.*'` (lib folder nvidia/cu13/lib)".into(),
        11 | 12 => {
            format!("`pip install nvidia-cuda-nvrtc-cu{major}` (lib folder nvidia/cuda_nvrtc/lib)")
        }
        _ => format!("the NVRTC of a CUDA {major}.x toolkit"),
    }
}

/// Chooses what to compile the kernels to for a device of compute
/// capability `device`, with NVRTC version `nvrtc` (major, minor), a driver
/// reporting `driver` (`cuDriverGetVersion`: 1000 * major + 10 * minor) and
/// the architectures NVRTC lists (`supported`, see [`supported_archs`]);
/// or, in one line, why these cannot work together and what to install.
///
/// * NVRTC newer in major version than the driver: nothing it makes loads
///   (PTX ISA and CUBIN ABI are newer than the driver reads).
/// * The device's own architecture listed: CUBIN for it. Otherwise CUBIN
///   for the newest listed architecture of the same major version below it
///   (which the device runs), else PTX for the newest listed architecture
///   below it, which the driver compiles forward (the driver must then be at
///   least NVRTC's version).
/// * A device older than every listed architecture cannot be served.
///
/// ```
/// use cbrng::cuda::nvrtc::{choose_target, CompileTarget};
/// let nvrtc13 = [75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121];
/// assert_eq!(choose_target((9, 0), (13, 0), 13000, &nvrtc13), Ok(CompileTarget::Cubin { arch: 90 }));
/// assert_eq!(choose_target((13, 0), (13, 0), 13020, &nvrtc13), Ok(CompileTarget::Ptx { arch: 121 }));
/// assert!(choose_target((9, 0), (13, 0), 12040, &nvrtc13).unwrap_err().contains("nvidia-cuda-nvrtc-cu12"));
/// assert!(choose_target((6, 1), (13, 0), 13000, &nvrtc13).is_err());
/// ```
pub fn choose_target(
    device: (i32, i32),
    nvrtc: (i32, i32),
    driver: i32,
    supported: &[i32],
) -> Result<CompileTarget, String> {
    let (dmaj, dmin) = (driver / 1000, (driver % 1000) / 10);
    let dev = device.0 * 10 + device.1;
    let (nmaj, nmin) = nvrtc;
    if nmaj > dmaj {
        return Err(format!(
            "NVRTC {nmaj}.{nmin} makes kernels that the CUDA {dmaj}.{dmin} driver cannot load: \
             install an NVRTC for CUDA {dmaj}.x, {}, and put its lib folder first on \
             LD_LIBRARY_PATH, or update the driver to CUDA {nmaj}.{nmin} or newer",
            nvrtc_package(dmaj)
        ));
    }
    let Some(&oldest) = supported.iter().min() else {
        return Err(format!(
            "NVRTC {nmaj}.{nmin} lists no architecture to compile for"
        ));
    };
    if dev < oldest {
        return Err(format!(
            "this GPU (sm_{dev}) is older than NVRTC {nmaj}.{nmin} supports (sm_{oldest} and \
             newer): use the NVRTC of an older CUDA toolkit that still supports it"
        ));
    }
    if supported.contains(&dev) {
        return Ok(CompileTarget::Cubin { arch: dev });
    }
    let below = supported.iter().copied().filter(|&a| a <= dev);
    if let Some(arch) = below.clone().filter(|a| a / 10 == dev / 10).max() {
        return Ok(CompileTarget::Cubin { arch });
    }
    let arch = below.max().unwrap_or(oldest);
    if (nmaj, nmin) > (dmaj, dmin) {
        return Err(format!(
            "this GPU (sm_{dev}) is newer than NVRTC {nmaj}.{nmin} knows, and the CUDA \
             {dmaj}.{dmin} driver cannot compile NVRTC {nmaj}.{nmin}'s PTX forward: install \
             an NVRTC no newer than the driver, {}",
            nvrtc_package(dmaj)
        ));
    }
    Ok(CompileTarget::Ptx { arch })
}

fn nvrtc_err(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::Gpu {
        reason: format!("{what}: {e:?}"),
    }
}

/// Every NVRTC entry point cbrng calls (all present since NVRTC 11.2);
/// checked before the first call, since cudarc panics on a missing one.
pub const REQUIRED_NVRTC_SYMBOLS: &[&str] = &[
    "nvrtcVersion",
    "nvrtcGetNumSupportedArchs",
    "nvrtcGetSupportedArchs",
    "nvrtcCreateProgram",
    "nvrtcCompileProgram",
    "nvrtcDestroyProgram",
    "nvrtcGetProgramLogSize",
    "nvrtcGetProgramLog",
    "nvrtcGetPTXSize",
    "nvrtcGetPTX",
    "nvrtcGetCUBINSize",
    "nvrtcGetCUBIN",
];

fn require_nvrtc() -> Result<(), Error> {
    if !nvrtc_present() {
        return Err(Error::Gpu {
            reason: "no NVRTC library (libnvrtc) found on this machine: install the CUDA \
                     toolkit or `pip install 'nvidia-cuda-nvrtc==13.0.*'` \
                     (`nvidia-cuda-nvrtc-cu12` for a 12.x driver) and put its lib folder on \
                     LD_LIBRARY_PATH"
                .into(),
        });
    }
    let missing: Vec<&str> = REQUIRED_NVRTC_SYMBOLS
        .iter()
        .copied()
        // SAFETY: the library is present, so culib() loads it without
        // panicking; looking a symbol up calls nothing.
        .filter(|s| unsafe { sys::culib().get::<unsafe extern "C" fn()>(s.as_bytes()) }.is_err())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Gpu {
            reason: format!(
                "the NVRTC library lacks {}: install NVRTC 12.x or 13.x",
                missing.join(", ")
            ),
        });
    }
    Ok(())
}

/// The options cbrng compiles its kernels with: the target architecture
/// (`sm_XY` for CUBIN, `compute_XY` for PTX only; see
/// [`CompileTarget::arch_option`]), no FMA contraction and IEEE division and square root (the
/// kernels use explicit `_rn` intrinsics anyway), no approximate math, plus the
/// given `-D` macro definitions.
pub fn kernel_options<K: AsRef<str>, V: AsRef<str>>(arch: &str, defines: &[(K, V)]) -> Vec<String> {
    let mut o = vec![
        format!("--gpu-architecture={arch}"),
        "--fmad=false".to_string(),
        "--prec-div=true".to_string(),
        "--prec-sqrt=true".to_string(),
        "--ftz=false".to_string(),
        "--std=c++17".to_string(),
    ];
    o.extend(
        defines
            .iter()
            .map(|(k, v)| format!("-D{}={}", k.as_ref(), v.as_ref())),
    );
    o
}

/// The result of a successful compilation.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The PTX text (without its terminating NUL).
    pub ptx: String,
    /// The machine code, when compiled for a real architecture (`sm_XY`).
    pub cubin: Option<Vec<u8>>,
    /// NVRTC's log: empty when there was nothing to say, warnings otherwise.
    pub log: String,
}

fn c_chars_to_string(v: &[c_char]) -> String {
    let bytes: Vec<u8> = v
        .iter()
        .map(|&c| c.to_ne_bytes()[0]) // c_char is i8 or u8 by target
        .take_while(|&b| b != 0)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Compiles one CUDA translation unit (no `#include` of files: pass a
/// [`super::source::amalgamate`]d source) with `options` (see
/// [`kernel_options`]). A compile error is an [`Error::Gpu`] carrying the log.
pub fn compile(source: &str, name: &str, options: &[String]) -> Result<Compiled, Error> {
    require_nvrtc()?;
    let src = CString::new(source).map_err(|_| Error::Gpu {
        reason: "CUDA source contains a NUL byte".into(),
    })?;
    let cname = CString::new(name).map_err(|_| Error::Gpu {
        reason: "program name contains a NUL byte".into(),
    })?;
    for o in options {
        if o.contains('\0') {
            return Err(Error::Gpu {
                reason: format!("NVRTC option {o:?} contains a NUL byte"),
            });
        }
    }
    let prog = result::create_program(&src, Some(&cname))
        .map_err(|e| nvrtc_err("nvrtcCreateProgram failed", e))?;
    // Destroy the program on every path.
    struct Guard(sys::nvrtcProgram);
    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: created above, destroyed once. A failure here leaks the
            // program and is not worth a panic.
            let _ = unsafe { result::destroy_program(self.0) };
        }
    }
    let guard = Guard(prog);
    // SAFETY: a live program; the options contain no NUL (checked above).
    let compiled = unsafe { result::compile_program(guard.0, options) };
    // SAFETY: a live program.
    let log = unsafe { result::get_program_log(guard.0) }
        .map(|l| c_chars_to_string(&l))
        .unwrap_or_default();
    if let Err(e) = compiled {
        return Err(Error::Gpu {
            reason: format!(
                "NVRTC could not compile {name} ({e:?}, options {options:?}):\n{}",
                log.trim_end()
            ),
        });
    }
    // SAFETY: a live, successfully compiled program.
    let ptx =
        unsafe { result::get_ptx(guard.0) }.map_err(|e| nvrtc_err("nvrtcGetPTX failed", e))?;
    let ptx = c_chars_to_string(&ptx);
    let real_arch = options
        .iter()
        .any(|o| o.starts_with("--gpu-architecture=sm_") || o.starts_with("-arch=sm_"));
    let cubin = if real_arch {
        let mut size = 0usize;
        // SAFETY: a live, successfully compiled program; `size` is an out-pointer.
        unsafe { sys::nvrtcGetCUBINSize(guard.0, &mut size) }
            .result()
            .map_err(|e| nvrtc_err("nvrtcGetCUBINSize failed", e))?;
        let mut bin = vec![0u8; size];
        if size > 0 {
            // SAFETY: `bin` holds the `size` bytes NVRTC writes.
            unsafe { sys::nvrtcGetCUBIN(guard.0, bin.as_mut_ptr().cast()) }
                .result()
                .map_err(|e| nvrtc_err("nvrtcGetCUBIN failed", e))?;
        }
        (size > 0).then_some(bin)
    } else {
        None
    };
    Ok(Compiled {
        ptx,
        cubin,
        log: log.trim().to_string(),
    })
}

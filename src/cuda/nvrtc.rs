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

fn nvrtc_err(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::Gpu {
        reason: format!("{what}: {e:?}"),
    }
}

fn require_nvrtc() -> Result<(), Error> {
    if nvrtc_present() {
        Ok(())
    } else {
        Err(Error::Gpu {
            reason: "no NVRTC library (libnvrtc) found on this machine: install the CUDA \
                     toolkit or `pip install nvidia-cuda-nvrtc` and put its lib directory on \
                     LD_LIBRARY_PATH"
                .into(),
        })
    }
}

/// The options cbrng compiles its kernels with: the target architecture
/// (`sm_XY`), no FMA contraction and IEEE division and square root (the
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
    /// NVRTC's log: empty when there was nothing to say, warnings otherwise.
    pub log: String,
}

fn c_chars_to_string(v: &[c_char]) -> String {
    let bytes: Vec<u8> = v.iter().map(|&c| c as u8).take_while(|&b| b != 0).collect();
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
    Ok(Compiled {
        ptx,
        log: log.trim().to_string(),
    })
}

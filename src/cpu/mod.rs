//! The CPU engine: bulk fills of every distribution and dtype, the SIMD
//! backends that make blocks several at a time, and the threads that split a
//! large fill.
//!
//! The scalar block functions in [`crate::generator`] are the definition. A
//! backend only changes *how* blocks are computed, never *which* bits come out:
//! every backend is tested equal to the scalar one (`tests/cpu_backends.rs`),
//! and a fill split over threads is the same bytes as one pass, because every
//! slice of a stream can be made on its own.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
pub(crate) mod dropout;
pub(crate) mod fill;
#[cfg(target_arch = "aarch64")]
pub(crate) mod neon;
pub(crate) mod simd;
pub(crate) mod threads;
// Public only for the `Word` bound (`generator::Word: Views`); not API.
#[doc(hidden)]
pub mod views;

pub use threads::MIN_PART_BYTES;

use crate::error::Error;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// How the CPU computes blocks and the heavier per-element maps (the normal
/// distribution). The output never depends on the backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CpuBackend {
    /// The scalar definition, one block at a time; available everywhere
    /// (aarch64 included).
    Scalar,
    /// x86-64 AVX2: 8 blocks of the 32-bit generators (4 of the 64-bit
    /// Threefry ones) per vector, with 2 or 3 independent vectors in flight;
    /// normal f32 (8 lanes), normal f64 and uniform f64 (4 lanes) maps. The
    /// 64-bit Philox generators stay scalar (AVX2 has no 64x64-bit multiply,
    /// and the scalar `mul` is faster than emulating it).
    Avx2,
    /// x86-64 AVX-512 (F and DQ): 16 blocks of the 32-bit Threefry
    /// generators, 8 of the 64-bit ones and of the 64-bit Philox ones, 4 of
    /// Philox4x32 per vector, with native rotates and three-way xors;
    /// uniform and normal f32 (16 lanes) and f64 (8 lanes) maps.
    Avx512,
    /// aarch64 NEON (Advanced SIMD, part of every aarch64 CPU): 4 blocks of
    /// the 32-bit generators, 2 of the 64-bit Threefry ones per vector; the
    /// 64-bit Philox generators and the maps stay scalar.
    Neon,
}

/// The environment variable that overrides the detected backend:
/// `scalar`, `avx2`, `avx512`, `neon` or `auto`.
pub const BACKEND_ENV: &str = "CBRNG_CPU_BACKEND";

impl CpuBackend {
    /// Every backend this crate has, available on this CPU or not.
    pub const ALL: [CpuBackend; 4] = [
        CpuBackend::Scalar,
        CpuBackend::Avx2,
        CpuBackend::Avx512,
        CpuBackend::Neon,
    ];

    /// Lower-case name, as `CBRNG_CPU_BACKEND` and `cbrng info` spell it.
    pub const fn name(self) -> &'static str {
        match self {
            CpuBackend::Scalar => "scalar",
            CpuBackend::Avx2 => "avx2",
            CpuBackend::Avx512 => "avx512",
            CpuBackend::Neon => "neon",
        }
    }

    /// True when this CPU can run the backend (detected at run time).
    pub fn is_available(self) -> bool {
        match self {
            CpuBackend::Scalar => true,
            #[cfg(target_arch = "x86_64")]
            CpuBackend::Avx2 => std::is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            CpuBackend::Avx512 => {
                std::is_x86_feature_detected!("avx512f")
                    && std::is_x86_feature_detected!("avx512dq")
            }
            #[cfg(not(target_arch = "x86_64"))]
            CpuBackend::Avx2 | CpuBackend::Avx512 => false,
            #[cfg(target_arch = "aarch64")]
            CpuBackend::Neon => std::arch::is_aarch64_feature_detected!("neon"),
            #[cfg(not(target_arch = "aarch64"))]
            CpuBackend::Neon => false,
        }
    }

    /// The fastest backend this CPU can run.
    pub fn best_available() -> CpuBackend {
        [CpuBackend::Avx512, CpuBackend::Avx2, CpuBackend::Neon]
            .into_iter()
            .find(|b| b.is_available())
            .unwrap_or(CpuBackend::Scalar)
    }

    /// The backend asked for by `CBRNG_CPU_BACKEND`: `Ok(None)` when unset or
    /// `auto`, an error when it names an unknown backend or one this CPU
    /// cannot run.
    pub fn from_env() -> Result<Option<CpuBackend>, Error> {
        match std::env::var(BACKEND_ENV) {
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::BadParameter {
                reason: format!("{BACKEND_ENV} is not valid UTF-8"),
            }),
            Ok(v) if v.eq_ignore_ascii_case("auto") || v.is_empty() => Ok(None),
            Ok(v) => {
                let b: CpuBackend = v.parse()?;
                b.check_available()?;
                Ok(Some(b))
            }
        }
    }

    /// The backend used by default: `CBRNG_CPU_BACKEND` when it is set and
    /// valid, otherwise the best available. Decided once per process. An
    /// invalid `CBRNG_CPU_BACKEND` falls back to the best backend here (the
    /// bits are the same); `cbrng` reports it as an error, and
    /// [`CpuBackend::from_env`] returns it.
    pub fn default_for_process() -> CpuBackend {
        static CHOSEN: OnceLock<CpuBackend> = OnceLock::new();
        *CHOSEN.get_or_init(|| {
            CpuBackend::from_env()
                .ok()
                .flatten()
                .unwrap_or_else(CpuBackend::best_available)
        })
    }

    /// `Ok` when this CPU can run the backend, otherwise an error naming it.
    pub fn check_available(self) -> Result<(), Error> {
        if self.is_available() {
            Ok(())
        } else {
            Err(Error::BadParameter {
                reason: format!("CPU backend {self} is not available on this CPU"),
            })
        }
    }
}

impl fmt::Display for CpuBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CpuBackend {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        CpuBackend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| Error::BadParameter {
                reason: format!(
                    "unknown CPU backend {s:?} (expected scalar, avx2, avx512, neon or auto)"
                ),
            })
    }
}

/// How a CPU fill runs: which backend and how many threads. The output never
/// depends on either.
///
/// ```
/// use cbrng::{Algorithm, Stream, dist::Distribution, CpuBackend, CpuOptions};
/// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 0)?;
/// let mut a = vec![0f32; 1 << 20];
/// let mut b = a.clone();
/// s.fill_with(&CpuOptions::auto(), &Distribution::Normal { mean: 0.0, std: 1.0 }, 3, &mut a)?;
/// let one = CpuOptions::auto().with_backend(CpuBackend::Scalar)?.with_threads(1)?;
/// s.fill_with(&one, &Distribution::Normal { mean: 0.0, std: 1.0 }, 3, &mut b)?;
/// assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuOptions {
    backend: CpuBackend,
    threads: usize,
}

impl CpuOptions {
    /// The process's default backend ([`CpuBackend::default_for_process`])
    /// and one thread per available core
    /// (`std::thread::available_parallelism`). Small fills stay on the
    /// calling thread whatever the thread count: a thread is only given at
    /// least [`MIN_PART_BYTES`] of output.
    pub fn auto() -> CpuOptions {
        // Asked once: on Linux the answer reads cgroup files, too slow for
        // every small fill.
        static CORES: OnceLock<usize> = OnceLock::new();
        CpuOptions {
            backend: CpuBackend::default_for_process(),
            threads: *CORES
                .get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }

    /// The same options with another backend; an error when this CPU cannot
    /// run it.
    pub fn with_backend(self, backend: CpuBackend) -> Result<CpuOptions, Error> {
        backend.check_available()?;
        Ok(CpuOptions { backend, ..self })
    }

    /// The same options with at most `threads` threads (1 = the calling
    /// thread only); an error for 0.
    pub fn with_threads(self, threads: usize) -> Result<CpuOptions, Error> {
        if threads == 0 {
            return Err(Error::BadParameter {
                reason: "thread count must be at least 1".into(),
            });
        }
        Ok(CpuOptions { threads, ..self })
    }

    /// The backend.
    pub fn backend(&self) -> CpuBackend {
        self.backend
    }

    /// The largest number of threads a fill may use.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl Default for CpuOptions {
    fn default() -> Self {
        CpuOptions::auto()
    }
}

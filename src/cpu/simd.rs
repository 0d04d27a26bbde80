//! Backend dispatch: one entry per SIMD kernel, callable on every target.
//!
//! Each block function makes its whole output with the chosen backend's
//! kernel (a final partial step through a scratch step) and returns how many
//! words it made; the element maps make a leading part and return its
//! length. The caller finishes anything left with the scalar definition. On
//! targets without a kernel, or for [`CpuBackend::Scalar`], they make nothing
//! and return 0.

use super::CpuBackend;

/// Runs block kernel `$name` of backend module `$m` over `out`, the last
/// partial step through scratch; evaluates to `out.len()`.
macro_rules! run_blocks {
    ($m:ident, $name:ident, $step:ident, $w:ty, $n:expr, $key:ident, $rounds:ident, $b0:ident, $s:ident, $out:ident) => {{
        use super::$m;
        let done = $m::$name($key, $rounds, $b0, $s, $out);
        let rest = $out.len() - done;
        if rest > 0 {
            // The last partial step: one whole step into scratch (cheaper
            // than the scalar blocks). Its extra blocks may lie past the
            // stream's end; their lanes are computed apart and thrown away.
            let mut tmp: [$w; $m::MAX_STEP] = [0; $m::MAX_STEP];
            let b = $b0.wrapping_add((done / $n) as u64);
            $m::$name($key, $rounds, b, $s, &mut tmp[..$m::$step]);
            $out[done..].copy_from_slice(&tmp[..rest]);
        }
        $out.len()
    }};
}

/// `run_blocks!` where the backend has this kernel (`true`), else 0.
macro_rules! kernel_or_zero {
    (true, $m:ident, $($a:tt)*) => {
        unsafe { run_blocks!($m, $($a)*) }
    };
    (false, $m:ident, $name:ident, $step:ident, $w:ty, $n:expr, $key:ident, $rounds:ident, $b0:ident, $s:ident, $out:ident) => {{
        let _ = ($key, $rounds, $b0, $s, $out);
        0
    }};
}

macro_rules! block_kernel {
    ($name:ident, $w:ty, $k:expr, $n:expr, $step:ident, avx2: $avx2:tt, neon: $neon:tt, $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub(crate) fn $name(
            be: CpuBackend,
            key: [$w; $k],
            rounds: u32,
            b0: u64,
            s: u64,
            out: &mut [$w],
        ) -> usize {
            match be {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: a CpuBackend::Avx2 value only reaches here after
                // `CpuBackend::is_available` (CpuOptions and the RNG check it).
                CpuBackend::Avx2 => {
                    kernel_or_zero!($avx2, avx2, $name, $step, $w, $n, key, rounds, b0, s, out)
                }
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above, for AVX-512F + AVX-512DQ.
                CpuBackend::Avx512 => {
                    kernel_or_zero!(true, avx512, $name, $step, $w, $n, key, rounds, b0, s, out)
                }
                #[cfg(target_arch = "aarch64")]
                // SAFETY: NEON is part of every aarch64 target Rust supports
                // (and `is_available` checks it).
                CpuBackend::Neon => {
                    kernel_or_zero!($neon, neon, $name, $step, $w, $n, key, rounds, b0, s, out)
                }
                _ => {
                    let _ = (key, rounds, b0, s, out);
                    0
                }
            }
        }
    };
}

block_kernel!(
    philox2x32,
    u32,
    1,
    2,
    STEP_PHILOX2X32,
    avx2: true,
    neon: true,
    "Philox2x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    philox4x32,
    u32,
    2,
    4,
    STEP_PHILOX4X32,
    avx2: true,
    neon: true,
    "Philox4x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry2x32,
    u32,
    2,
    2,
    STEP_THREEFRY2X32,
    avx2: true,
    neon: true,
    "Threefry2x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry4x32,
    u32,
    4,
    4,
    STEP_THREEFRY4X32,
    avx2: true,
    neon: true,
    "Threefry4x32 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry2x64,
    u64,
    2,
    2,
    STEP_THREEFRY2X64,
    avx2: true,
    neon: true,
    "Threefry2x64 blocks `b0..` of stream `s`."
);
block_kernel!(
    threefry4x64,
    u64,
    4,
    4,
    STEP_THREEFRY4X64,
    avx2: true,
    neon: true,
    "Threefry4x64 blocks `b0..` of stream `s`."
);
// The 64-bit Philox generators have an AVX-512 kernel only: AVX2 and NEON
// have no 64-bit lane multiply, and emulating the 128-bit product there is
// slower than the scalar `mul`/`umulh`.
block_kernel!(
    philox2x64,
    u64,
    1,
    2,
    STEP_PHILOX2X64,
    avx2: false,
    neon: false,
    "Philox2x64 blocks `b0..` of stream `s` (AVX-512 only)."
);
block_kernel!(
    philox4x64,
    u64,
    2,
    4,
    STEP_PHILOX4X64,
    avx2: false,
    neon: false,
    "Philox4x64 blocks `b0..` of stream `s` (AVX-512 only)."
);

/// An element map with SIMD kernels: makes a leading part of `out` from `x`
/// and returns its length (0 for the scalar backend).
macro_rules! map_kernel {
    ($name:ident, $in:ty, $out:ty, ($($p:ident: $pt:ty),*), $doc:literal) => {
        #[doc = $doc]
        #[inline]
        pub(crate) fn $name(be: CpuBackend, x: &[$in], $($p: $pt,)* out: &mut [$out]) -> usize {
            match be {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above, Avx2 is only chosen when the CPU has it.
                CpuBackend::Avx2 => map_avx2!($name, x, $($p,)* out),
                #[cfg(target_arch = "x86_64")]
                // SAFETY: as above, for AVX-512F + AVX-512DQ.
                CpuBackend::Avx512 => unsafe { super::avx512::$name(x, $($p,)* out) },
                _ => {
                    let _ = (x, $($p,)* out);
                    0
                }
            }
        }
    };
}

#[cfg(target_arch = "x86_64")]
/// The AVX2 map `$name`, or nothing where AVX2 has none (uniform f32: the
/// compiler's own vectorisation of the scalar loop is as fast).
macro_rules! map_avx2 {
    (uniform_f32, $($a:expr),*) => {{
        let _ = ($($a,)*);
        0
    }};
    ($name:ident, $($a:expr),*) => {
        unsafe { super::avx2::$name($($a),*) }
    };
}

map_kernel!(normal_f32, u32, f32, (mean: f32, std: f32), "`out[i] = mean + std * standard_normal_f32(x[i])`.");
map_kernel!(normal_f64, u64, f64, (mean: f64, std: f64), "`out[i] = mean + std * standard_normal_f64(x[i])`.");
map_kernel!(uniform_f64, u64, f64, (), "`out[i] = uniform_f64(x[i])`.");
map_kernel!(uniform_f32, u32, f32, (), "`out[i] = uniform_f32(x[i])`.");
map_kernel!(exponential_f32, u32, f32, (lambda: f32), "`out[i] = continuous::exponential_f32(x[i], lambda)`.");

/// Elements per call of [`gamma_attempt_f32`] at most.
pub(crate) const GAMMA_PASS: usize = 256;

/// The working arrays of [`gamma_attempt_f32`], made once per fill (not
/// zeroed on every call): the normal and uniform words, the normals, the
/// packed lanes the squeeze does not accept (index, normal, uniform), and
/// the squeeze's verdicts (for the portable path in `cpu::fill`).
pub(crate) struct GammaScratch {
    pub(crate) ok: [bool; GAMMA_PASS],
    pub(crate) xs: [u32; GAMMA_PASS],
    pub(crate) uw: [u32; GAMMA_PASS],
    pub(crate) zs: [f32; GAMMA_PASS],
    pub(crate) fi: [u32; GAMMA_PASS + 16],
    pub(crate) fz: [f32; GAMMA_PASS + 16],
    pub(crate) fu: [f32; GAMMA_PASS + 16],
}

impl GammaScratch {
    /// Zeroed arrays.
    pub(crate) fn new() -> Self {
        GammaScratch {
            ok: [false; GAMMA_PASS],
            xs: [0; GAMMA_PASS],
            uw: [0; GAMMA_PASS],
            zs: [0.0; GAMMA_PASS],
            fi: [0; GAMMA_PASS + 16],
            fz: [0.0; GAMMA_PASS + 16],
            fu: [0.0; GAMMA_PASS + 16],
        }
    }
}

/// One gamma attempt (`crate::dist::gamma::attempt_f32`) for a leading part
/// of `w`'s (normal, uniform) word pairs: `ys[j]` the value if accepted, the
/// rejected `j` listed in `rej`; returns (the part's length, the number
/// rejected). AVX-512 only; (0, 0) elsewhere.
#[inline]
pub(crate) fn gamma_attempt_f32(
    be: CpuBackend,
    w: &[u32],
    c: f32,
    d: f32,
    ys: &mut [f32],
    rej: &mut [u32],
    scratch: &mut GammaScratch,
) -> (usize, usize) {
    match be {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: Avx512 is only chosen when the CPU has AVX-512F and DQ.
        CpuBackend::Avx512 => unsafe {
            super::avx512::gamma_attempt_f32(w, c, d, ys, rej, scratch)
        },
        _ => {
            let _ = (w, c, d, ys, rej, scratch);
            (0, 0)
        }
    }
}

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
// The packed-lane arrays are the x86 kernels' alone.
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
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
/// rejected). AVX-512 and AVX2; (0, 0) elsewhere.
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
        #[cfg(target_arch = "x86_64")]
        // SAFETY: Avx2 is only chosen when the CPU has AVX2.
        CpuBackend::Avx2 => unsafe { super::avx2::gamma_attempt_f32(w, c, d, ys, rej, scratch) },
        _ => {
            let _ = (w, c, d, ys, rej, scratch);
            (0, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gamma attempt kernels (AVX-512, AVX2) against `gamma::attempt_f32`, element by
    /// element at every lane position: the same values where accepted, the
    /// same rejected elements, on random words and on the words that reach
    /// `v <= 0`, the far tails and both ends of the uniform.
    #[test]
    fn gamma_attempt_f32_kernel_equals_scalar() {
        use crate::dist::gamma::{GammaF32, attempt_f32};
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            // splitmix64
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as u32
        };
        let mut w: Vec<u32> = Vec::new();
        for _ in 0..40_000 {
            w.push(next());
            w.push(next());
        }
        // Extreme normals (k near 0: |z| near 6.34, both signs) with every
        // kind of uniform word, and extreme uniforms with random normals.
        for k in 0..2000u32 {
            let x = (k / 4) | if k & 1 == 1 { 0x8000_0000 } else { 0 };
            let u = [0, u32::MAX, next(), 0x8000_0000][(k % 4) as usize];
            w.extend([x, u, next(), u]);
        }
        w.truncate(w.len() / 32 * 32);
        for (be, shape) in [CpuBackend::Avx512, CpuBackend::Avx2]
            .into_iter()
            .filter(|be| be.is_available())
            .flat_map(|be| [1.0f32, 1.5, 2.0, 3.7, 1000.0, 1e8].map(|k| (be, k)))
        {
            let g = GammaF32::new(shape);
            let (mut seen_rej, mut seen_full) = (0, 0);
            let mut sc = GammaScratch::new();
            for part in w.chunks(2 * GAMMA_PASS) {
                let n = part.len() / 2;
                let mut ys = vec![0f32; n];
                let mut rej = vec![0u32; n + 16];
                let (done, nr) = gamma_attempt_f32(be, part, g.c, g.d, &mut ys, &mut rej, &mut sc);
                assert_eq!(done, n);
                let rejected: Vec<usize> = rej[..nr].iter().map(|&j| j as usize).collect();
                let mut want_rej = Vec::new();
                for j in 0..n {
                    match attempt_f32(&g, part[2 * j], part[2 * j + 1]) {
                        Some(y) => assert_eq!(ys[j].to_bits(), y.to_bits(), "{be:?} shape {shape}"),
                        None => want_rej.push(j),
                    }
                    let x = crate::dist::normal::standard_normal_f32(part[2 * j]);
                    let u = crate::dist::gamma::open_uniform_f32(part[2 * j + 1]);
                    let x2 = x * x;
                    seen_full += usize::from(u >= 1.0 - 0.0331 * (x2 * x2));
                }
                assert_eq!(rejected, want_rej, "{be:?} shape {shape}");
                seen_rej += nr;
            }
            // Both the full test and the rejections were exercised.
            assert!(seen_rej > 100 && seen_full > 1000, "{be:?} shape {shape}");
        }
        // A part shorter than a vector is left to the caller.
        let g = GammaF32::new(2.0);
        let (mut ys, mut rej) = ([0f32; 7], [0u32; 23]);
        for be in [CpuBackend::Avx512, CpuBackend::Avx2, CpuBackend::Scalar] {
            if be.is_available() {
                let sc = &mut GammaScratch::new();
                let got = gamma_attempt_f32(be, &w[..14], g.c, g.d, &mut ys, &mut rej, sc);
                assert_eq!(got, (0, 0), "{be:?}");
            }
        }
    }
}

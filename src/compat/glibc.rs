//! The C library's `logf` and `sincosf` as glibc (2.28 and later, checked
//! with Debian's 2.36) computes them, eight or sixteen floats at a time: the CPU
//! replay of cuRAND's Box-Muller ([`super::curand::box_muller`]) takes both
//! from the C library, and this gives their bits without a call per element.
//!
//! `logf` (`sysdeps/ieee754/flt-32/e_logf.c`, table and polynomial in
//! `e_logf_data.c`): for a positive normal `x` with bits `ix`,
//! `tmp = ix - 0x3f330000`, table index `i = (tmp >> 19) mod 16`, exponent
//! `k = tmp >> 23` (arithmetic), `z = float(ix - (tmp & 0xff800000))` in
//! [0x1.66p-1, 0x1.66p0); then in double `r = z·invc_i - 1`,
//! `y0 = logc_i + k·ln2`, `y = (A0·r² + (A1·r + A2))·r² + (y0 + r)`,
//! rounded once to float.
//!
//! `sincosf` (`s_sincosf.c`, `s_sincosf.h`, `sincosf_poly.h`, data in
//! `s_sincosf_data.c`) for `|y| < 120` (its `reduce_fast` branch; below
//! π/4 that branch gives quadrant 0 and `x` itself, the same as glibc's
//! small-argument branch): in double, `n = (trunc(y·(2/π)·2^24) + 2^23) >> 24`,
//! `x = y - n·π/2`, `x2 = x²`, `x` negated in quadrants 1 and 2; `sin =
//! x + x³·S1 + x⁵·(S2 + x²·S3)`, `cos = (C0 + x²·C1) + x⁴·C2 + x⁶·(C3 +
//! x²·C4)`, each rounded once to float, the cosine negated in quadrants 2
//! and 3 (glibc's second table holds the negated cosine coefficients, which
//! rounds to the same magnitude), the two swapped in odd quadrants. Below
//! 2^-12 (by the top 12 bits, as glibc tests it) sin = y and cos = 1.
//!
//! The constants below are glibc's (its data, needed to give its bits).
//! glibc runs an FMA build of these functions on CPUs with FMA, and this
//! code fuses the same multiply-adds. (A one-off check while writing this,
//! a C program not kept, found the unfused form gives the same floats too,
//! for every positive normal float in `logf` and every float in [0, 7] in
//! `sincosf`, so which build glibc picks does not matter here; the
//! `--ignored` tests below check this code itself against the C library on
//! those domains.) Other inputs (zero, subnormals, negatives, |y| >= 120,
//! infinities, NaN) go to the C library itself, their whole group of 8 or
//! 16 with them.
//!
//! Used only where the C library is glibc (Linux, GNU) and the CPU has FMA
//! with AVX-512F (16 floats a step) or AVX2 (8); elsewhere the callers call
//! the C library. The tests below check both functions, each kernel level
//! the CPU has, against the C library on 10^6 values and the edges (and,
//! `--ignored`, every float: `logf` all 2^32, `sincosf` all of [0, 7]).

/// glibc's `logf_data` table, `invc` column.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
const INVC: [f64; 16] = [
    f64::from_bits(0x3ff661ec79f8f3be),
    f64::from_bits(0x3ff571ed4aaf883d),
    f64::from_bits(0x3ff49539f0f010b0),
    f64::from_bits(0x3ff3c995b0b80385),
    f64::from_bits(0x3ff30d190c8864a5),
    f64::from_bits(0x3ff25e227b0b8ea0),
    f64::from_bits(0x3ff1bb4a4a1a343f),
    f64::from_bits(0x3ff12358f08ae5ba),
    f64::from_bits(0x3ff0953f419900a7),
    f64::from_bits(0x3ff0000000000000),
    f64::from_bits(0x3fee608cfd9a47ac),
    f64::from_bits(0x3feca4b31f026aa0),
    f64::from_bits(0x3feb2036576afce6),
    f64::from_bits(0x3fe9c2d163a1aa2d),
    f64::from_bits(0x3fe886e6037841ed),
    f64::from_bits(0x3fe767dcf5534862),
];

/// glibc's `logf_data` table, `logc` column.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
const LOGC: [f64; 16] = [
    f64::from_bits(0xbfd57bf7808caade),
    f64::from_bits(0xbfd2bef0a7c06ddb),
    f64::from_bits(0xbfd01eae7f513a67),
    f64::from_bits(0xbfcb31d8a68224e9),
    f64::from_bits(0xbfc6574f0ac07758),
    f64::from_bits(0xbfc1aa2bc79c8100),
    f64::from_bits(0xbfba4e76ce8c0e5e),
    f64::from_bits(0xbfb1973c5a611ccc),
    f64::from_bits(0xbfa252f438e10c1e),
    0.0,
    f64::from_bits(0x3faaa5aa5df25984),
    f64::from_bits(0x3fbc5e53aa362eb4),
    f64::from_bits(0x3fc526e57720db08),
    f64::from_bits(0x3fcbc2860d224770),
    f64::from_bits(0x3fd1058bc8a07ee1),
    f64::from_bits(0x3fd4043057b6ee09),
];

/// glibc's `logf_data` `ln2` and `poly` (A0, A1, A2).
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
const LN2: f64 = f64::from_bits(0x3fe62e42fefa39ef);
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
const POLY: [f64; 3] = [
    f64::from_bits(0xbfd00ea348b88334),
    f64::from_bits(0x3fd5575b0be00b6a),
    f64::from_bits(0xbfdffffef20a4123),
];

/// glibc's first `sincosf_table` entry: `hpi_inv` (2/π·2^24), `hpi` (π/2), the
/// cosine polynomial `c1..c4` (`c0` is 1) and the sine polynomial `s1..s3`.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
mod sincos_data {
    pub(super) const HPI_INV: f64 = f64::from_bits(0x41645f306dc9c883);
    pub(super) const HPI: f64 = f64::from_bits(0x3ff921fb54442d18);
    pub(super) const C: [f64; 5] = [
        1.0,
        f64::from_bits(0xbfdffffffd0c621c),
        f64::from_bits(0x3fa55553e1068f19),
        f64::from_bits(0xbf56c087e89a359d),
        f64::from_bits(0x3ef99343027bf8c3),
    ];
    pub(super) const S: [f64; 3] = [
        f64::from_bits(0xbfc555545995a603),
        f64::from_bits(0x3f81107605230bc4),
        f64::from_bits(0xbf2994eb3774cf24),
    ];
}

/// `x[k] = x[k].ln()` for every `k`, the C library's bits.
pub(crate) fn ln_in_place(x: &mut [f32]) {
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    let done = match level() {
        // SAFETY: `level` checked that the CPU has these features.
        Level::Avx512 => unsafe { avx512::logf(x) },
        Level::Avx2 => unsafe { avx2::logf(x) },
        Level::None => 0,
    };
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
    let done = 0;
    for v in &mut x[done..] {
        *v = v.ln();
    }
}

/// `(s[k], v[k]) = (sin v[k] · s[k], cos v[k] · s[k])` for every `k` (one
/// f32 product each), with the C library's sine and cosine
/// ([`super::curand::sin_cos_f32`]).
///
/// Slices of different lengths: the shorter's length.
pub(crate) fn sin_cos_times(v: &mut [f32], s: &mut [f32]) {
    let n = v.len().min(s.len());
    let (v, s) = (&mut v[..n], &mut s[..n]);
    #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
    let done = match level() {
        // SAFETY: `level` checked that the CPU has these features.
        Level::Avx512 => unsafe { avx512::sin_cos_times(v, s) },
        Level::Avx2 => unsafe { avx2::sin_cos_times(v, s) },
        Level::None => 0,
    };
    #[cfg(not(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")))]
    let done = 0;
    for (a, b) in v[done..].iter_mut().zip(&mut s[done..]) {
        let (sn, cs) = super::curand::sin_cos_f32(*a);
        (*b, *a) = (sn * *b, cs * *b);
    }
}

/// Which kernels this CPU runs: AVX-512F + FMA (16 floats a step), AVX2 +
/// FMA (8), or none.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    Avx512,
    Avx2,
    None,
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
fn level() -> Level {
    use std::arch::is_x86_feature_detected as has;
    if !has!("fma") {
        Level::None
    } else if has!("avx512f") {
        Level::Avx512
    } else if has!("avx2") {
        Level::Avx2
    } else {
        Level::None
    }
}

/// The AVX2 kernels: the same steps as [`avx512`], four doubles a vector,
/// the tables read with gathers.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
mod avx2 {
    use super::sincos_data::{C, HPI, HPI_INV, S};
    use super::{INVC, LN2, LOGC, POLY};
    use std::arch::x86_64::*;

    /// glibc's `logf` on four floats' bits (positive normal).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn logf4(ix: __m128i) -> __m128 {
        let tmp = _mm_sub_epi32(ix, _mm_set1_epi32(0x3f33_0000));
        let i = _mm_and_si128(_mm_srli_epi32::<19>(tmp), _mm_set1_epi32(15));
        let k = _mm_srai_epi32::<23>(tmp);
        let iz = _mm_sub_epi32(
            ix,
            _mm_and_si128(tmp, _mm_set1_epi32(0xff80_0000u32 as i32)),
        );
        let z = _mm256_cvtps_pd(_mm_castsi128_ps(iz));
        // SAFETY: i is in 0..16, the tables hold 16 f64.
        let (ic, lc) = unsafe {
            (
                _mm256_i32gather_pd::<8>(INVC.as_ptr(), i),
                _mm256_i32gather_pd::<8>(LOGC.as_ptr(), i),
            )
        };
        let r = _mm256_fmadd_pd(z, ic, _mm256_set1_pd(-1.0));
        let y0 = _mm256_fmadd_pd(_mm256_cvtepi32_pd(k), _mm256_set1_pd(LN2), lc);
        let r2 = _mm256_mul_pd(r, r);
        let y = _mm256_fmadd_pd(_mm256_set1_pd(POLY[1]), r, _mm256_set1_pd(POLY[2]));
        let y = _mm256_fmadd_pd(_mm256_set1_pd(POLY[0]), r2, y);
        let y = _mm256_fmadd_pd(y, r2, _mm256_add_pd(y0, r));
        _mm256_cvtpd_ps(y)
    }

    /// `logf` in place on whole groups of 8; returns the floats done.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn logf(x: &mut [f32]) -> usize {
        let whole = x.len() / 8 * 8;
        let flip = _mm256_set1_epi32(i32::MIN);
        for g in x[..whole].chunks_exact_mut(8) {
            // SAFETY: `g` is 8 f32, 32 bytes.
            let ix = unsafe { _mm256_loadu_si256(g.as_ptr().cast()) };
            // Unsigned ix - 2^23 > 0x7effffff, as a signed compare.
            let special = _mm256_cmpgt_epi32(
                _mm256_xor_si256(_mm256_sub_epi32(ix, _mm256_set1_epi32(0x0080_0000)), flip),
                _mm256_xor_si256(_mm256_set1_epi32(0x7eff_ffff), flip),
            );
            if _mm256_movemask_epi8(special) != 0 {
                for v in g.iter_mut() {
                    *v = v.ln();
                }
                continue;
            }
            let lo = logf4(_mm256_castsi256_si128(ix));
            let hi = logf4(_mm256_extracti128_si256::<1>(ix));
            // SAFETY: `g` is 8 f32.
            unsafe { _mm256_storeu_ps(g.as_mut_ptr(), _mm256_set_m128(hi, lo)) };
        }
        whole
    }

    /// glibc's `sincosf` on four floats (|y| < 120), before the
    /// small-argument override.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn sincosf4(y: __m128) -> (__m128, __m128) {
        let x = _mm256_cvtps_pd(y);
        let r = _mm256_mul_pd(x, _mm256_set1_pd(HPI_INV));
        let n = _mm_srai_epi32::<24>(_mm_add_epi32(
            _mm256_cvttpd_epi32(r),
            _mm_set1_epi32(0x80_0000),
        ));
        let xr = _mm256_fnmadd_pd(_mm256_cvtepi32_pd(n), _mm256_set1_pd(HPI), x);
        let x2 = _mm256_mul_pd(xr, xr);
        let neg = _mm_slli_epi32::<31>(_mm_xor_si128(n, _mm_srai_epi32::<1>(n)));
        let neg = _mm256_slli_epi64::<32>(_mm256_cvtepu32_epi64(neg));
        let xs = _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(xr), neg));
        let set = _mm256_set1_pd;
        let x4 = _mm256_mul_pd(x2, x2);
        let x3 = _mm256_mul_pd(x2, xs);
        let c2 = _mm256_fmadd_pd(x2, set(C[4]), set(C[3]));
        let s1 = _mm256_fmadd_pd(x2, set(S[2]), set(S[1]));
        let c1 = _mm256_fmadd_pd(x2, set(C[1]), set(C[0]));
        let x5 = _mm256_mul_pd(x3, x2);
        let x6 = _mm256_mul_pd(x4, x2);
        let sn = _mm256_fmadd_pd(x3, set(S[0]), xs);
        let cs = _mm256_fmadd_pd(x4, set(C[2]), c1);
        let sn = _mm256_cvtpd_ps(_mm256_fmadd_pd(x5, s1, sn));
        let cs = _mm256_cvtpd_ps(_mm256_fmadd_pd(x6, c2, cs));
        let q2 = _mm_and_si128(_mm_slli_epi32::<30>(n), _mm_set1_epi32(i32::MIN));
        let cs = _mm_xor_ps(cs, _mm_castsi128_ps(q2));
        let odd = _mm_castsi128_ps(_mm_slli_epi32::<31>(n));
        (_mm_blendv_ps(sn, cs, odd), _mm_blendv_ps(cs, sn, odd))
    }

    /// [`super::sin_cos_times`] on whole groups of 8; returns the floats
    /// done. A group with an angle outside [0, 120) goes to the C library.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn sin_cos_times(v: &mut [f32], s: &mut [f32]) -> usize {
        let whole = v.len().min(s.len()) / 8 * 8;
        for (gv, gs) in v[..whole]
            .chunks_exact_mut(8)
            .zip(s[..whole].chunks_exact_mut(8))
        {
            // SAFETY: each group is 8 f32, 32 bytes.
            let (y, sc) = unsafe { (_mm256_loadu_ps(gv.as_ptr()), _mm256_loadu_ps(gs.as_ptr())) };
            let bits = _mm256_castps_si256(y);
            let top = _mm256_and_si256(_mm256_srli_epi32::<20>(bits), _mm256_set1_epi32(0x7ff));
            let outside = _mm256_or_si256(
                _mm256_cmpgt_epi32(top, _mm256_set1_epi32(0x42e)),
                _mm256_cmpgt_epi32(_mm256_setzero_si256(), bits),
            );
            if _mm256_movemask_epi8(outside) != 0 {
                for (a, b) in gv.iter_mut().zip(gs.iter_mut()) {
                    let (sn, cs) = super::super::curand::sin_cos_f32(*a);
                    (*b, *a) = (sn * *b, cs * *b);
                }
                continue;
            }
            let (s_lo, c_lo) = sincosf4(_mm256_castps256_ps128(y));
            let (s_hi, c_hi) = sincosf4(_mm256_extractf128_ps::<1>(y));
            let tiny = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(0x398), top));
            let sn = _mm256_blendv_ps(_mm256_set_m128(s_hi, s_lo), y, tiny);
            let cs = _mm256_blendv_ps(_mm256_set_m128(c_hi, c_lo), _mm256_set1_ps(1.0), tiny);
            // SAFETY: as for the loads.
            unsafe {
                _mm256_storeu_ps(gs.as_mut_ptr(), _mm256_mul_ps(sn, sc));
                _mm256_storeu_ps(gv.as_mut_ptr(), _mm256_mul_ps(cs, sc));
            }
        }
        whole
    }
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
mod avx512 {
    use super::sincos_data::{C, HPI, HPI_INV, S};
    use super::{INVC, LN2, LOGC, POLY};
    use std::arch::x86_64::*;

    /// glibc's `sincosf` on eight floats (|y| < 120): (sin, cos) before the
    /// small-argument override.
    #[inline]
    #[target_feature(enable = "avx512f,fma")]
    fn sincosf8(y: __m256) -> (__m256, __m256) {
        let x = _mm512_cvtps_pd(y);
        let r = _mm512_mul_pd(x, _mm512_set1_pd(HPI_INV));
        let n = _mm256_srai_epi32::<24>(_mm256_add_epi32(
            _mm512_cvttpd_epi32(r),
            _mm256_set1_epi32(0x80_0000),
        ));
        // x - n·π/2 with one rounding.
        let xr = _mm512_fnmadd_pd(_mm512_cvtepi32_pd(n), _mm512_set1_pd(HPI), x);
        let x2 = _mm512_mul_pd(xr, xr);
        // sign[n & 3] = -1 in quadrants 1 and 2: bit 0 of n ^ (n >> 1),
        // moved to each double's sign bit.
        let neg = _mm256_slli_epi32::<31>(_mm256_xor_si256(n, _mm256_srai_epi32::<1>(n)));
        let neg = _mm512_slli_epi64::<32>(_mm512_cvtepu32_epi64(neg));
        let xs = _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(xr), neg));
        let set = _mm512_set1_pd;
        let x4 = _mm512_mul_pd(x2, x2);
        let x3 = _mm512_mul_pd(x2, xs);
        let c2 = _mm512_fmadd_pd(x2, set(C[4]), set(C[3]));
        let s1 = _mm512_fmadd_pd(x2, set(S[2]), set(S[1]));
        let c1 = _mm512_fmadd_pd(x2, set(C[1]), set(C[0]));
        let x5 = _mm512_mul_pd(x3, x2);
        let x6 = _mm512_mul_pd(x4, x2);
        let sn = _mm512_fmadd_pd(x3, set(S[0]), xs);
        let cs = _mm512_fmadd_pd(x4, set(C[2]), c1);
        let sn = _mm512_cvtpd_ps(_mm512_fmadd_pd(x5, s1, sn));
        let cs = _mm512_cvtpd_ps(_mm512_fmadd_pd(x6, c2, cs));
        // The cosine negated in quadrants 2 and 3 (bit 1 of n to the sign).
        let q2 = _mm256_and_si256(
            _mm256_slli_epi32::<30>(n),
            _mm256_set1_epi32(0x8000_0000u32 as i32),
        );
        let cs = _mm256_xor_ps(cs, _mm256_castsi256_ps(q2));
        cs_swap(n, sn, cs)
    }

    /// (sin, cos) swapped where `n` is odd.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn cs_swap(n: __m256i, sn: __m256, cs: __m256) -> (__m256, __m256) {
        let odd = _mm256_castsi256_ps(_mm256_slli_epi32::<31>(n));
        (_mm256_blendv_ps(sn, cs, odd), _mm256_blendv_ps(cs, sn, odd))
    }

    /// Two halves of eight as one vector of 16.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn join(lo: __m256, hi: __m256) -> __m512 {
        _mm512_castpd_ps(_mm512_insertf64x4::<1>(
            _mm512_castps_pd(_mm512_castps256_ps512(lo)),
            _mm256_castps_pd(hi),
        ))
    }

    /// [`super::sin_cos_times`] on whole groups of 16; returns the floats
    /// done. A group with an angle outside [0, 120) goes to the C library.
    #[target_feature(enable = "avx512f,fma")]
    pub(super) fn sin_cos_times(v: &mut [f32], s: &mut [f32]) -> usize {
        let whole = v.len().min(s.len()) / 16 * 16;
        for (gv, gs) in v[..whole]
            .chunks_exact_mut(16)
            .zip(s[..whole].chunks_exact_mut(16))
        {
            // SAFETY: each group is 16 f32, 64 bytes.
            let (y, sc) = unsafe { (_mm512_loadu_ps(gv.as_ptr()), _mm512_loadu_ps(gs.as_ptr())) };
            let bits = _mm512_castps_si512(y);
            // glibc's abstop12: bits 20..30.
            let top = _mm512_and_si512(_mm512_srli_epi32::<20>(bits), _mm512_set1_epi32(0x7ff));
            let outside = _mm512_cmpge_epu32_mask(top, _mm512_set1_epi32(0x42f)) // 120.0f
                | _mm512_cmplt_epi32_mask(bits, _mm512_setzero_si512());
            if outside != 0 {
                for (a, b) in gv.iter_mut().zip(gs.iter_mut()) {
                    let (sn, cs) = super::super::curand::sin_cos_f32(*a);
                    (*b, *a) = (sn * *b, cs * *b);
                }
                continue;
            }
            let (s_lo, c_lo) = sincosf8(_mm512_castps512_ps256(y));
            let (s_hi, c_hi) = sincosf8(_mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(
                _mm512_castps_pd(y),
            )));
            // Below 2^-12 (top 12 bits under those of 0x1p-12f): y and 1.
            let tiny = _mm512_cmplt_epu32_mask(top, _mm512_set1_epi32(0x398));
            let sn = _mm512_mask_blend_ps(tiny, join(s_lo, s_hi), y);
            let cs = _mm512_mask_blend_ps(tiny, join(c_lo, c_hi), _mm512_set1_ps(1.0));
            // SAFETY: as for the loads.
            unsafe {
                _mm512_storeu_ps(gs.as_mut_ptr(), _mm512_mul_ps(sn, sc));
                _mm512_storeu_ps(gv.as_mut_ptr(), _mm512_mul_ps(cs, sc));
            }
        }
        whole
    }

    /// glibc's `logf` on eight floats' bit patterns (`ix`, all positive
    /// normal), widened to double: the eight floats.
    #[inline]
    #[target_feature(enable = "avx512f,fma")]
    fn logf8(ix: __m256i, invc: (__m512d, __m512d), logc: (__m512d, __m512d)) -> __m256 {
        let tmp = _mm256_sub_epi32(ix, _mm256_set1_epi32(0x3f33_0000));
        let i = _mm256_and_si256(_mm256_srli_epi32::<19>(tmp), _mm256_set1_epi32(15));
        let k = _mm256_srai_epi32::<23>(tmp);
        let iz = _mm256_sub_epi32(
            ix,
            _mm256_and_si256(tmp, _mm256_set1_epi32(0xff80_0000u32 as i32)),
        );
        let z = _mm512_cvtps_pd(_mm256_castsi256_ps(iz));
        let i = _mm512_cvtepu32_epi64(i);
        let ic = _mm512_permutex2var_pd(invc.0, i, invc.1);
        let lc = _mm512_permutex2var_pd(logc.0, i, logc.1);
        let r = _mm512_fmadd_pd(z, ic, _mm512_set1_pd(-1.0));
        let y0 = _mm512_fmadd_pd(_mm512_cvtepi32_pd(k), _mm512_set1_pd(LN2), lc);
        let r2 = _mm512_mul_pd(r, r);
        let y = _mm512_fmadd_pd(_mm512_set1_pd(POLY[1]), r, _mm512_set1_pd(POLY[2]));
        let y = _mm512_fmadd_pd(_mm512_set1_pd(POLY[0]), r2, y);
        let y = _mm512_fmadd_pd(y, r2, _mm512_add_pd(y0, r));
        _mm512_cvtpd_ps(y)
    }

    /// `logf` in place on whole groups of 16; returns the floats done. A
    /// group holding a value outside the positive normal floats goes to the
    /// C library whole.
    #[target_feature(enable = "avx512f,fma")]
    pub(super) fn logf(x: &mut [f32]) -> usize {
        // SAFETY (loads): each reads 8 f64 of a 16-element array.
        let invc = unsafe {
            (
                _mm512_loadu_pd(INVC.as_ptr()),
                _mm512_loadu_pd(INVC.as_ptr().add(8)),
            )
        };
        let logc = unsafe {
            (
                _mm512_loadu_pd(LOGC.as_ptr()),
                _mm512_loadu_pd(LOGC.as_ptr().add(8)),
            )
        };
        let whole = x.len() / 16 * 16;
        for g in x[..whole].chunks_exact_mut(16) {
            // SAFETY: `g` is 16 f32, 64 bytes.
            let ix = unsafe { _mm512_loadu_si512(g.as_ptr().cast()) };
            // Not a positive normal float: ix - 2^23 >= 0x7f800000 - 2^23.
            let special = _mm512_cmpge_epu32_mask(
                _mm512_sub_epi32(ix, _mm512_set1_epi32(0x0080_0000)),
                _mm512_set1_epi32(0x7f00_0000),
            );
            if special != 0 {
                for v in g.iter_mut() {
                    *v = v.ln();
                }
                continue;
            }
            let lo = logf8(_mm512_castsi512_si256(ix), invc, logc);
            let hi = logf8(_mm512_extracti64x4_epi64::<1>(ix), invc, logc);
            // SAFETY: `g` is 16 f32: two stores of 8.
            unsafe {
                _mm256_storeu_ps(g.as_mut_ptr(), lo);
                _mm256_storeu_ps(g.as_mut_ptr().add(8), hi);
            }
        }
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::{ln_in_place, sin_cos_times};

    /// One way to run the two functions: the dispatching entry points, or
    /// (glibc on x86-64) one kernel level then the C library for the rest.
    #[derive(Clone, Copy, Debug)]
    enum Way {
        Dispatch,
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        At(super::Level),
    }

    /// Every way this CPU can run: each kernel level on its own.
    fn ways() -> Vec<Way> {
        #[allow(unused_mut)]
        let mut w = vec![Way::Dispatch];
        #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("fma") && has!("avx2") {
                w.push(Way::At(super::Level::Avx2));
            }
            if has!("fma") && has!("avx512f") {
                w.push(Way::At(super::Level::Avx512));
            }
        }
        w
    }

    fn ln_way(way: Way, x: &mut [f32]) {
        match way {
            Way::Dispatch => ln_in_place(x),
            #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
            Way::At(level) => {
                use super::Level;
                let done = match level {
                    // SAFETY: `ways` lists only what the CPU has.
                    Level::Avx512 => unsafe { super::avx512::logf(x) },
                    Level::Avx2 => unsafe { super::avx2::logf(x) },
                    Level::None => 0,
                };
                for v in &mut x[done..] {
                    *v = v.ln();
                }
            }
        }
    }

    fn sc_way(way: Way, v: &mut [f32], s: &mut [f32]) {
        match way {
            Way::Dispatch => sin_cos_times(v, s),
            #[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
            Way::At(level) => {
                use super::Level;
                let done = match level {
                    // SAFETY: `ways` lists only what the CPU has.
                    Level::Avx512 => unsafe { super::avx512::sin_cos_times(v, s) },
                    Level::Avx2 => unsafe { super::avx2::sin_cos_times(v, s) },
                    Level::None => 0,
                };
                for (a, b) in v[done..].iter_mut().zip(s[done..].iter_mut()) {
                    let (sn, cs) = crate::compat::curand::sin_cos_f32(*a);
                    (*b, *a) = (sn * *b, cs * *b);
                }
            }
        }
    }

    /// Runs `f` over `n` elements in pieces of several lengths, so that
    /// whole groups and tails both meet each value.
    fn pieces(n: usize, mut f: impl FnMut(std::ops::Range<usize>)) {
        let mut at = 0;
        for len in [1usize, 7, 8, 9, 15, 16, 17, 31, 48, 1000].iter().cycle() {
            if at == n {
                break;
            }
            let end = (at + len).min(n);
            f(at..end);
            at = end;
        }
    }

    fn same(a: f32, b: f32) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    fn check(bits: impl Iterator<Item = u32>) {
        let xs: Vec<f32> = bits.map(f32::from_bits).collect();
        for way in ways() {
            let mut got = xs.clone();
            pieces(got.len(), |r| ln_way(way, &mut got[r]));
            for (x, g) in xs.iter().zip(&got) {
                let want = x.ln();
                assert!(
                    same(*g, want),
                    "{way:?}: logf({x:e} = {:#x}): {g:e} want {want:e}",
                    x.to_bits()
                );
            }
        }
    }

    #[test]
    fn ln_in_place_is_the_c_library_logf() {
        // Edges: around 1, the table's subinterval bounds (tmp >> 19) in
        // every binade, the smallest normal, the largest finite, and the
        // cases left to the C library (0, subnormals, negatives,
        // infinities, NaN) amid normal values; then 10^6 bit patterns of
        // positive floats and 10^6 of any.
        let mut edges = vec![
            0x3f80_0000u32,
            0x3f7f_ffff,
            0x3f80_0001,
            0x0080_0000,
            0x0080_0001,
            0x7f7f_ffff,
            0,
            1,
            0x007f_ffff,
            0x8000_0000,
            0xbf80_0000,
            0x7f80_0000,
            0xff80_0000,
            0x7fc0_0000,
            0x3000_0000, // 2^-31; the Box-Muller uniforms reach 2^-33
            0x2f00_0000,
        ];
        for e in 1..0xffu32 {
            for j in 0..16u32 {
                let b = (e << 23) + ((0x3f33_0000 + (j << 19)) & 0x007f_ffff);
                edges.extend([b, b - 1, b + 1]);
            }
        }
        check(edges.into_iter());
        let mut s = 0x9e37_79b9u32;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        check((0..1_000_000).map(|_| next() & 0x7fff_ffff));
        check((0..1_000_000).map(|_| next()));
    }

    /// Every float (`cargo test --release --lib -- --ignored glibc`).
    #[test]
    #[ignore]
    fn ln_in_place_is_the_c_library_logf_for_every_float() {
        for top in 0..=0xffu32 {
            check((0..1u32 << 24).map(|b| (top << 24) | b));
        }
    }

    fn check_sin_cos(vs: &[f32]) {
        let scale: Vec<f32> = (0..vs.len()).map(|k| 1.0 + (k % 64) as f32 / 8.0).collect();
        for way in ways() {
            let (mut v, mut s) = (vs.to_vec(), scale.clone());
            pieces(v.len(), |r| sc_way(way, &mut v[r.clone()], &mut s[r]));
            for k in 0..vs.len() {
                let x = vs[k];
                let (ws, wc) = (x.sin() * scale[k], x.cos() * scale[k]);
                assert!(
                    same(s[k], ws) && same(v[k], wc),
                    "{way:?}: sincosf({x:e} = {:#x}): {} {} want {ws} {wc}",
                    x.to_bits(),
                    s[k],
                    v[k]
                );
            }
        }
    }

    #[test]
    fn sin_cos_times_is_the_c_library_sine_and_cosine() {
        // Edges: the tiny threshold (2^-12 by the top 12 bits), each
        // multiple of π/4 up to 10π and its float neighbours, 2π's
        // neighbours, 120 (where glibc leaves fast reduction), and the cases
        // left to the C library (negative, 0, huge, inf, NaN); then 10^6
        // values in (0, 2π] (the Box-Muller angles) and 10^6 bit patterns
        // of any float.
        let mut vs: Vec<f32> = vec![
            0.0,
            -0.0,
            -1.0,
            f32::MIN_POSITIVE,
            1e-40,
            f32::INFINITY,
            f32::NAN,
            1e30,
            119.99999,
            120.0,
            std::f32::consts::TAU,
            f32::from_bits(std::f32::consts::TAU.to_bits() - 1),
            f32::from_bits(std::f32::consts::TAU.to_bits() + 1),
        ];
        for b in [0x3980_0000u32, 0x3970_0000] {
            for d in 0..40u32 {
                vs.extend([f32::from_bits(b + d), f32::from_bits(b - d)]);
            }
        }
        for k in 1..40 {
            let q = (k as f64 * std::f64::consts::FRAC_PI_4) as f32;
            for d in 0..8u32 {
                vs.extend([
                    f32::from_bits(q.to_bits() + d),
                    f32::from_bits(q.to_bits() - d),
                ]);
            }
        }
        let mut st = 0x1234_5678u32;
        let mut next = move || {
            st ^= st << 13;
            st ^= st >> 17;
            st ^= st << 5;
            st
        };
        vs.extend(
            (0..1_000_000).map(|_| (next() >> 8) as f32 * (std::f32::consts::TAU / 16_777_216.0)),
        );
        vs.extend((0..1_000_000).map(|_| f32::from_bits(next())));
        check_sin_cos(&vs);
    }

    /// Every float from 0 to 7, which holds every Box-Muller angle
    /// (`cargo test --release --lib -- --ignored glibc`).
    #[test]
    #[ignore]
    fn sin_cos_times_is_the_c_library_for_every_float_to_7() {
        let top = 7.0f32.to_bits();
        let mut b = 0u32;
        while b <= top {
            let end = (b + (1 << 24)).min(top + 1);
            check_sin_cos(&(b..end).map(f32::from_bits).collect::<Vec<_>>());
            b = end;
        }
    }
}

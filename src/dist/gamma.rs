//! The gamma family (stream contract version 3): `gamma:K,THETA`,
//! `chi-squared:K`, `beta:A,B` and `student-t:NU`, rejection samplers on the
//! attempt space of [`super::attempts`], built from the crate's own normal
//! ([`super::normal`]) and elementary functions ([`super::exact_math`]):
//! IEEE `+ - * /` and `sqrt` only, no FMA, no libm, so every element is the
//! same on every CPU and GPU. CUDA twins: `kernels/cbrng/gamma.cuh` (same
//! names, `cbrng_` prefixed).
//!
//! # Words
//!
//! A *unit* is one u32 element for the f32 outputs and one u64 element (two
//! u32 elements, low first: the stream's u64 view) for the f64 outputs. A
//! *lane* is two units of an attempt: unit 0 gives the normal `x`
//! ([`standard_normal_f32`] / [`standard_normal_f64`] of the unit), unit 1
//! the uniform `u` ([`open_uniform_f32`] / [`open_uniform_f64`]: `(2k + 1)
//! 2^-24` with `k` the top 23 bits, or `(2k + 1) 2^-53` with `k` the top 52
//! bits; never 0 or 1). Gamma, chi-squared and student-t use one lane
//! (`w` = 2 u32 words per attempt in f32, 4 in f64), beta two (lane 0 for
//! `X`, lane 1 for `Y`: `w` = 4 in f32, 8 in f64); both of beta's gammas make
//! their own attempts 0, 1, ... in their own lane of the same attempt
//! streams.
//!
//! The **extras** of element `i` are the same words `[i w, (i + 1) w)` of the
//! attempt stream numbered [`EXTRAS`] (= `MAX_ATTEMPTS`, the first stream no
//! attempt reads): unit 0 of lane `L` is the boost uniform of lane `L`'s
//! gamma (`K < 1`, below), unit 1 of lane 0 is student-t's normal `Z`.
//!
//! # Marsaglia and Tsang (2000), one attempt of lane `L` for shape `K' >= 1`
//!
//! With `d = K' - 1/3` and `c = 1 / sqrt(9 d)` (each one IEEE operation in
//! the output type, `1/3` rounded to it): `v = 1 + c x`; reject if `v <= 0`;
//! `v3 = (v v) v`; accept `d v3` if `u < 1 - 0.0331 (x2 x2)` (`x2 = x x`, the
//! squeeze), else accept `d v3` if `ln(u) < 0.5 x2 + d ((1 - v3) + ln(v3))`,
//! else reject. Its acceptance rate is at least 0.951 for every `K' >= 1`
//! (Marsaglia and Tsang, ACM TOMS 26(3), 2000), so all [`MAX_ATTEMPTS`] = 64
//! attempts fail with probability below `0.049^64 < 2^-270` (per gamma);
//! then the gamma takes the **fallback** `d` (the sampler's value at
//! `x = 0`). (`v > 0` implies `v >= 2^-24` (f32) / `2^-53` (f64): `1 + c x`
//! is exact when it is below 1/2, so `ln(v3)` is the logarithm of a normal
//! float.)
//!
//! # The distributions (each operation one IEEE operation in the dtype)
//!
//! | spec | shape of the lanes | value |
//! |---|---|---|
//! | gamma:K,THETA | lane 0: `K` | `G(K) * theta` |
//! | chi-squared:K | lane 0: `K * 0.5` | `G(K/2) * 2` |
//! | student-t:NU | lane 0: `NU * 0.5` | `Z / sqrt(s)`, `s = (2 G(NU/2)) / NU`, raised to the smallest normal float if below it |
//! | beta:A,B | lane 0: `A`, lane 1: `B` | `X / (X + Y)` if `A, B >= 1`; else, with `t = ln Y - ln X`, `e = exp(-abs(t))` and `r = e / (1 + e)`: `r` if `t > 0`, else `1 - r`; `ln X = ln(G'(A)) + ln(u_b) / A` for `A < 1` (and `ln(G(A))` for `A >= 1`), the same for `Y` |
//!
//! where `G(K)` is the lane's standard gamma: for `K >= 1` the accepted
//! `d v3` of shape `K' = K`; for `K < 1` the boost (Marsaglia and Tsang's
//! section 6): `exp(ln(G'(K)) + ln(u_b) / K)`, `G'(K)` the accepted value of
//! shape `K' = K + 1` (rounded to the dtype) and `u_b` the lane's boost
//! uniform from the extras (so `G' u_b^(1/K)`, computed with the crate's `ln`
//! and `exp` in one `exp`, which rounds once into the subnormals: a product
//! `G' * exp(...)` would round a subnormal twice, a visible bias at
//! `K = 0.01` in f32).
//! Beta uses the logarithms whenever a shape is below 1, where `X` and `Y`
//! may both underflow.
//!
//! # Parameters
//!
//! `K`, `A`, `B` in `[1e-30, 1e8]`, `NU` and the chi-squared `K` in
//! `[2e-30, 2e8]` (above, `1 + c x` loses the resolution the law needs in
//! f32), `THETA > 0`, all finite, after rounding to the dtype; a gamma whose
//! largest value times `THETA` overflows is refused. Outputs: gamma and
//! chi-squared in `[0, inf)` (small shapes round to 0 and subnormals in f32:
//! `P(G(0.01) < 2^-126)` is 0.41), beta in `[0, 1]`, student-t finite
//! (`|t| <= 6.34 / sqrt(2^-126)` in f32).
//!
//! # Accuracy
//!
//! Exact in distribution up to the normal's and the logarithm's few-ulp
//! errors (see [`super::normal`], [`super::exact_math`]), the 2^-24 / 2^-53
//! grid of the uniforms, the normal's truncation at `|x| <= 6.34` (f32) /
//! `8.29` (f64), and, for the boost, the rounding of `K + 1` and the relative
//! error `|ln(u_b) / K|` ulps of `exp` (up to 1663 f32 ulps at `K = 0.01`,
//! where the values lie far below 1e-30). `tests/statistics_gamma.rs` checks
//! the laws (KS and Anderson-Darling on 10^7 samples, moments).
#![allow(clippy::excessive_precision)]

use super::attempts::MAX_ATTEMPTS;
use super::exact_math::{exp_f32, exp_f64, ln_f32, ln_f64};
use super::normal::{standard_normal_f32, standard_normal_f64};
use super::uniform::{TWO_POW_M24, TWO_POW_M53};

/// The attempt stream of the extras (boost uniforms, student-t's `Z`): the
/// first stream no attempt reads.
pub const EXTRAS: u32 = MAX_ATTEMPTS;
/// 1/3 rounded to f32.
pub const ONE_THIRD_F32: f32 = 0.333333333333333333333;
/// 1/3 rounded to f64.
pub const ONE_THIRD_F64: f64 = 0.333333333333333333333;
/// Marsaglia and Tsang's squeeze constant 0.0331, rounded to f32.
pub const SQUEEZE_F32: f32 = 0.0331;
/// The squeeze constant rounded to f64.
pub const SQUEEZE_F64: f64 = 0.0331;
/// Smallest shape of gamma and beta (`K`, `A`, `B`).
pub const SHAPE_MIN: f64 = 1e-30;
/// Largest shape of gamma and beta.
pub const SHAPE_MAX: f64 = 1e8;

/// u32 words per attempt of a one-lane sampler (gamma, chi-squared,
/// student-t) in f32 and f64, and of beta (two lanes).
pub const fn words_per_attempt(lanes: u32, f64_output: bool) -> u32 {
    lanes * if f64_output { 4 } else { 2 }
}

/// The uniform of a lane, f32: `(2 (x >> 9) + 1) 2^-24`, in `[2^-24, 1 - 2^-24]`.
#[inline(always)]
pub fn open_uniform_f32(x: u32) -> f32 {
    ((2 * (x >> 9) + 1) as f32) * TWO_POW_M24
}

/// The uniform of a lane, f64: `(2 (x >> 12) + 1) 2^-53`, in `[2^-53, 1 - 2^-53]`.
#[inline(always)]
pub fn open_uniform_f64(x: u64) -> f64 {
    ((2 * (x >> 12) + 1) as f64) * TWO_POW_M53
}

/// The constants of one lane's gamma in f32, computed from its shape `k`
/// (`> 0`) with IEEE operations in f32 (the device computes the same).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaF32 {
    /// The shape.
    pub k: f32,
    /// `K' - 1/3`, `K'` = `k + 1` when boosted, else `k`.
    pub d: f32,
    /// `1 / sqrt(9 d)`.
    pub c: f32,
    /// `k < 1`: the value is boosted by `u_b^(1/k)`.
    pub boost: bool,
}

/// The constants of one lane's gamma in f64 (see [`GammaF32`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaF64 {
    /// The shape.
    pub k: f64,
    /// `K' - 1/3`.
    pub d: f64,
    /// `1 / sqrt(9 d)`.
    pub c: f64,
    /// `k < 1`.
    pub boost: bool,
}

macro_rules! family {
    (
        $float:ident, $G:ident, $unit:ident, $normal:ident, $uniform:ident, $ln:ident, $exp:ident,
        $third:ident, $squeeze:ident, $attempt_z:ident, $attempt:ident, $accepted:ident, $retry:ident,
        $std:ident, $gamma:ident, $chi:ident, $student:ident, $beta:ident, $lane_units:expr
    ) => {
        impl $G {
            /// The lane constants of shape `k`.
            pub fn new(k: $float) -> Self {
                let boost = k < 1.0;
                let kk = if boost { k + 1.0 } else { k };
                let d = kk - $third;
                let c = 1.0 / (9.0 * d).sqrt();
                $G { k, d, c, boost }
            }
        }

        /// One Marsaglia-Tsang attempt from its normal `x` and uniform word:
        /// the accepted `d v3`, or `None`.
        #[inline(always)]
        pub fn $attempt_z(g: &$G, x: $float, uw: $unit) -> Option<$float> {
            let v = 1.0 + g.c * x;
            if v <= 0.0 {
                return None;
            }
            let v3 = (v * v) * v;
            let u = $uniform(uw);
            let x2 = x * x;
            if u < 1.0 - $squeeze * (x2 * x2) {
                return Some(g.d * v3);
            }
            if $ln(u) < 0.5 * x2 + g.d * ((1.0 - v3) + $ln(v3)) {
                Some(g.d * v3)
            } else {
                None
            }
        }

        /// One attempt from its two units (normal, uniform).
        #[inline(always)]
        pub fn $attempt(g: &$G, xw: $unit, uw: $unit) -> Option<$float> {
            $attempt_z(g, $normal(xw), uw)
        }

        /// The accepted value of lane `lane` (shape `K'`; before the
        /// boost): attempts 0, 1, ... of `words`, the fallback `d` after
        /// [`MAX_ATTEMPTS`]. `buf` holds one attempt's words.
        #[inline(always)]
        pub fn $accepted<W: FnMut(u32, &mut [u32]) + ?Sized>(
            g: &$G,
            lane: usize,
            buf: &mut [u32],
            words: &mut W,
        ) -> $float {
            $retry(g, lane, 0, buf, words)
        }

        /// The accepted value from attempt `from` on (the fast fills make
        /// attempt 0 themselves, then call this with `from = 1`).
        #[inline(never)]
        pub fn $retry<W: FnMut(u32, &mut [u32]) + ?Sized>(
            g: &$G,
            lane: usize,
            from: u32,
            buf: &mut [u32],
            words: &mut W,
        ) -> $float {
            for a in from..MAX_ATTEMPTS {
                words(a, buf);
                if let Some(y) = $attempt(g, unit(buf, 2 * lane), unit(buf, 2 * lane + 1)) {
                    return y;
                }
            }
            g.d
        }

        /// The standard gamma of lane 0 of a one-lane sampler (`w` words per
        /// attempt): the accepted value, boosted when `k < 1`.
        pub fn $std<W: FnMut(u32, &mut [u32]) + ?Sized>(g: &$G, words: &mut W) -> $float {
            let mut buf = [0u32; 8];
            let buf = &mut buf[..$lane_units * 2];
            let y = $accepted(g, 0, buf, words);
            if g.boost {
                words(EXTRAS, buf);
                $exp($ln(y) + $ln($uniform(unit(buf, 0))) / g.k)
            } else {
                y
            }
        }

        /// `gamma:K,THETA`: `G(K) * theta`.
        pub fn $gamma<W: FnMut(u32, &mut [u32]) + ?Sized>(
            g: &$G,
            theta: $float,
            words: &mut W,
        ) -> $float {
            $std(g, words) * theta
        }

        /// `chi-squared:K`: `G(K/2) * 2`, `g` the lane of shape `K * 0.5`.
        pub fn $chi<W: FnMut(u32, &mut [u32]) + ?Sized>(g: &$G, words: &mut W) -> $float {
            $std(g, words) * 2.0
        }

        /// `student-t:NU`: `Z / sqrt(s)`, `s = (2 G(NU/2)) / NU` raised to
        /// the smallest normal float; `g` the lane of shape `NU * 0.5`, `Z`
        /// the normal of unit 1 of the extras.
        pub fn $student<W: FnMut(u32, &mut [u32]) + ?Sized>(
            g: &$G,
            nu: $float,
            words: &mut W,
        ) -> $float {
            let mut buf = [0u32; 8];
            let buf = &mut buf[..$lane_units * 2];
            let y = $accepted(g, 0, buf, words);
            words(EXTRAS, buf);
            let z = $normal(unit(buf, 1));
            let y = if g.boost {
                $exp($ln(y) + $ln($uniform(unit(buf, 0))) / g.k)
            } else {
                y
            };
            let s = (2.0 * y) / nu;
            let s = if s < $float::MIN_POSITIVE {
                $float::MIN_POSITIVE
            } else {
                s
            };
            z / s.sqrt()
        }

        /// `beta:A,B` from lanes 0 (`X`, shape A) and 1 (`Y`, shape B).
        pub fn $beta<W: FnMut(u32, &mut [u32]) + ?Sized>(
            ga: &$G,
            gb: &$G,
            words: &mut W,
        ) -> $float {
            let mut buf = [0u32; 8];
            let buf = &mut buf[..$lane_units * 4];
            let x = $accepted(ga, 0, buf, words);
            let y = $accepted(gb, 1, buf, words);
            if !ga.boost && !gb.boost {
                return x / (x + y);
            }
            words(EXTRAS, buf);
            let lx = if ga.boost {
                $ln(x) + $ln($uniform(unit(buf, 0))) / ga.k
            } else {
                $ln(x)
            };
            let ly = if gb.boost {
                $ln(y) + $ln($uniform(unit(buf, 2))) / gb.k
            } else {
                $ln(y)
            };
            // X / (X + Y) = 1 / (1 + e^t), t = ln Y - ln X: with e = e^-|t|
            // <= 1 (no overflow) and r = e / (1 + e) <= 1/2 (accurate, down
            // into the subnormals), r for t > 0 and 1 - r (one rounding, so
            // values near 1 keep the grid below 1) otherwise.
            let t = ly - lx;
            let e = $exp(-t.abs());
            let r = e / (1.0 + e);
            if t > 0.0 { r } else { 1.0 - r }
        }
    };
}

/// Unit `j` of an attempt's words: u32 `j` (f32) or the u64 of u32s `2j`,
/// `2j + 1` (f64), by the return type.
#[inline(always)]
fn unit<U: Unit>(buf: &[u32], j: usize) -> U {
    U::at(buf, j)
}

trait Unit {
    fn at(buf: &[u32], j: usize) -> Self;
}
impl Unit for u32 {
    #[inline(always)]
    fn at(buf: &[u32], j: usize) -> u32 {
        buf[j]
    }
}
impl Unit for u64 {
    #[inline(always)]
    fn at(buf: &[u32], j: usize) -> u64 {
        u64::from(buf[2 * j]) | (u64::from(buf[2 * j + 1]) << 32)
    }
}

family!(
    f32,
    GammaF32,
    u32,
    standard_normal_f32,
    open_uniform_f32,
    ln_f32,
    exp_f32,
    ONE_THIRD_F32,
    SQUEEZE_F32,
    attempt_z_f32,
    attempt_f32,
    accepted_f32,
    retry_f32,
    gamma_std_f32,
    gamma_f32,
    chi_squared_f32,
    student_t_f32,
    beta_f32,
    1
);
family!(
    f64,
    GammaF64,
    u64,
    standard_normal_f64,
    open_uniform_f64,
    ln_f64,
    exp_f64,
    ONE_THIRD_F64,
    SQUEEZE_F64,
    attempt_z_f64,
    attempt_f64,
    accepted_f64,
    retry_f64,
    gamma_std_f64,
    gamma_f64,
    chi_squared_f64,
    student_t_f64,
    beta_f64,
    2
);

// ---------------------------------------------------------------------------
// Parameters (called from super::Distribution)
// ---------------------------------------------------------------------------

use super::{DType, Distribution, Params};
use crate::error::Error;
use crate::grammar::real;

/// Parses `gamma:K[,THETA]`, `chi-squared:K`, `beta:A,B`, `student-t:NU`;
/// `None` for another name.
pub(crate) fn parse(name: &str, arg: Option<&str>) -> Option<Result<Distribution, String>> {
    let (labels, min, max): (&[&str], usize, usize) = match name {
        "gamma" => (&["K", "THETA"], 1, 2),
        "chi-squared" => (&["K"], 1, 1),
        "beta" => (&["A", "B"], 2, 2),
        "student-t" => (&["NU"], 1, 1),
        _ => return None,
    };
    let grammar = match name {
        "gamma" => "gamma:K,THETA (or gamma:K)",
        "chi-squared" => "chi-squared:K",
        "beta" => "beta:A,B",
        _ => "student-t:NU",
    };
    let Some(arg) = arg else {
        return Some(Err(format!("expected {grammar}")));
    };
    let texts: Vec<&str> = arg.split(',').collect();
    if texts.len() < min || texts.len() > max {
        return Some(Err(format!("expected {grammar}")));
    }
    let mut v = [0.0f64, 1.0];
    for (k, text) in texts.iter().enumerate() {
        match real(text) {
            Ok(x) => v[k] = x,
            Err(e) => return Some(Err(format!("{}: {e}", labels[k]))),
        }
    }
    Some(Ok(match name {
        "gamma" => Distribution::Gamma {
            k: v[0],
            theta: v[1],
        },
        "chi-squared" => Distribution::ChiSquared { k: v[0] },
        "beta" => Distribution::Beta { a: v[0], b: v[1] },
        _ => Distribution::StudentT { nu: v[0] },
    }))
}

/// Checks the parameters of a gamma-family distribution for `dtype` (f32 or
/// f64) as the module documentation says; `Params::Real { a, b }` holds
/// them as given (gamma: K, THETA; chi-squared: K, 0; beta: A, B;
/// student-t: NU, 0).
pub(crate) fn check(d: &Distribution, dtype: DType) -> Result<Params, Error> {
    let bad = |reason: String| Err(Error::BadParameter { reason });
    let (a, b) = match *d {
        Distribution::Gamma { k, theta } => (k, theta),
        Distribution::ChiSquared { k } => (k, 0.0),
        Distribution::Beta { a, b } => (a, b),
        Distribution::StudentT { nu } => (nu, 0.0),
        _ => unreachable!("only the gamma family comes here"),
    };
    // As the dtype holds them.
    let (ra, rb) = if dtype == DType::F32 {
        (f64::from(a as f32), f64::from(b as f32))
    } else {
        (a, b)
    };
    let in_range = |x: f64, scale: f64| (SHAPE_MIN * scale..=SHAPE_MAX * scale).contains(&x);
    let (name, scale) = match d {
        Distribution::Gamma { .. } => ("K", 1.0),
        Distribution::ChiSquared { .. } => ("K", 2.0),
        Distribution::Beta { .. } => ("A", 1.0),
        _ => ("NU", 2.0),
    };
    if !a.is_finite() || !b.is_finite() {
        return bad(format!("{d} needs finite parameters"));
    }
    if !in_range(ra, scale) {
        return bad(format!(
            "{d}: {name} must lie in [{:e}, {:e}] (in {dtype})",
            SHAPE_MIN * scale,
            SHAPE_MAX * scale
        ));
    }
    match d {
        Distribution::Beta { .. } if !in_range(rb, 1.0) => {
            return bad(format!(
                "{d}: B must lie in [{SHAPE_MIN:e}, {SHAPE_MAX:e}] (in {dtype})"
            ));
        }
        Distribution::Gamma { .. } => {
            if rb.is_nan() || rb <= 0.0 || !rb.is_finite() {
                return bad(format!("{d}: THETA must be > 0 and finite (in {dtype})"));
            }
            // The largest value: the accepted d v3 at the largest normal,
            // times theta (the boost only makes it smaller).
            let fits = if dtype == DType::F32 {
                let g = GammaF32::new(ra as f32);
                let v = 1.0 + g.c * super::normal::Z_MAX_F32;
                ((g.d * ((v * v) * v)) * (rb as f32)).is_finite()
            } else {
                let g = GammaF64::new(ra);
                let v = 1.0 + g.c * super::normal::Z_MAX_F64;
                ((g.d * ((v * v) * v)) * rb).is_finite()
            };
            if !fits {
                return bad(format!(
                    "{d}: the largest values overflow {dtype}; use a smaller THETA"
                ));
            }
        }
        _ => {}
    }
    Ok(Params::Real { a, b })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_constants() {
        let g = GammaF64::new(2.0);
        assert_eq!(g.d, 2.0 - 1.0 / 3.0);
        assert_eq!(g.c, 1.0 / (9.0 * g.d).sqrt());
        assert!(!g.boost);
        let g = GammaF32::new(0.25);
        assert!(g.boost);
        assert_eq!(g.d, 1.25 - ONE_THIRD_F32);
        assert_eq!(ONE_THIRD_F32.to_bits(), 0x3eaa_aaab);
        assert_eq!(ONE_THIRD_F64.to_bits(), 0x3fd5_5555_5555_5555);
    }

    #[test]
    fn open_uniforms_never_reach_0_or_1() {
        assert_eq!(open_uniform_f32(0), TWO_POW_M24);
        assert_eq!(open_uniform_f32(u32::MAX), 1.0 - TWO_POW_M24);
        assert_eq!(open_uniform_f64(0), TWO_POW_M53);
        assert_eq!(open_uniform_f64(u64::MAX), 1.0 - TWO_POW_M53);
    }

    #[test]
    fn all_rejected_attempts_give_the_fallback() {
        // v <= 0 on every attempt: x at its most negative (bit 31 set, k = 0)
        // with c > 1/6.34 (K' small).
        let g = GammaF32::new(1.0);
        assert!(g.c * super::super::normal::Z_MAX_F32 > 1.0);
        let mut calls = 0;
        let y = accepted_f32(&g, 0, &mut [0u32; 2], &mut |_, w: &mut [u32]| {
            calls += 1;
            w[0] = 0x8000_0000;
            w[1] = 0;
        });
        assert_eq!(y, g.d);
        assert_eq!(calls, MAX_ATTEMPTS);
    }

    #[test]
    fn parameters_are_checked() {
        use Distribution as D;
        for (d, ok) in [
            (D::Gamma { k: 2.0, theta: 1.0 }, true),
            (D::Gamma { k: 0.0, theta: 1.0 }, false),
            (D::Gamma { k: 1e9, theta: 1.0 }, false),
            (D::Gamma { k: 2.0, theta: 0.0 }, false),
            (
                D::Gamma {
                    k: 2.0,
                    theta: f64::NAN,
                },
                false,
            ),
            (
                D::Gamma {
                    k: 2.0,
                    theta: 1e38,
                },
                false,
            ),
            (D::ChiSquared { k: 1e-31 }, false),
            (D::ChiSquared { k: 3.0 }, true),
            (D::Beta { a: 0.5, b: -1.0 }, false),
            (D::Beta { a: 0.01, b: 0.01 }, true),
            (D::StudentT { nu: 1.0 }, true),
            (D::StudentT { nu: f64::INFINITY }, false),
        ] {
            assert_eq!(check(&d, DType::F32).is_ok(), ok, "{d}");
        }
        assert!(
            check(
                &D::Gamma {
                    k: 2.0,
                    theta: 1e38
                },
                DType::F64
            )
            .is_ok()
        );
    }
}

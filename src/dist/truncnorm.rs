//! The truncated normal (contract version 3): the standard normal conditioned
//! on `[A, B]`, then `mean + std * z` in the dtype (f32 or f64, no FMA) — the
//! initialiser of `jax.random.truncated_normal(lower, upper)` (standard
//! bounds) and of `torch.nn.init.trunc_normal_(t, mean, std, a, b)` (whose
//! `a`, `b` are bounds of the *output*: `A = (a - mean) / std`). Exact for
//! every interval, far tails and one-sided ones included: a rejection
//! sampler in the attempt space of [`super::attempts`], whose every test is
//! an exact comparison (no `exp` that can underflow). CUDA twin:
//! `kernels/cbrng/truncnorm.cuh` (same names, `cbrng_` prefixed).
//!
//! # Parameters
//!
//! `A < B` (after rounding to the dtype), `A` may be `-inf`, `B` `+inf`,
//! `mean` and `std >= 0` finite. `A`, `B`, `mean`, `std` are converted to the
//! dtype first; everything below is one IEEE operation in the dtype per step
//! (f32 arithmetic for f32 outputs), in the order written.
//!
//! # The plan (a pure function of `a`, `b`: the same for every element)
//!
//! By symmetry the sampler works on `[lo, hi]`: `[-b, -a]` with the result
//! negated when `b <= 0`, else `[a, b]`. So either `lo < 0 < hi` (the interval
//! holds the centre) or `0 <= lo < hi` (a tail). With `w = hi - lo` (may be
//! inf), the method is chosen by this rule:
//!
//! | case | rule | proposal | accept iff | acceptance rate |
//! |---|---|---|---|---|
//! | `lo < 0 < hi` | `w > sqrt(2 pi)` | **normal**: `z` = the crate's exact normal of word 0 ([`super::normal`]) | `lo <= z <= hi` | `P(lo < Z < hi)` >= 0.4939 |
//! | `lo < 0 < hi` | `w <= sqrt(2 pi)` | **uniform**: `t = w * u`, `z = min(lo + t, hi)` | `E >= z*z * 0.5` | `P / (w phi(0))` >= 0.4939 |
//! | `0 <= lo` | `w * lam <= exp(dl*dl * 0.5)` | **uniform**: `t = w * u`, `z = min(lo + t, hi)` | `E >= t * (lo + t * 0.5)` | >= 0.63 |
//! | `0 <= lo` | otherwise | **exponential** (Robert 1995, optimal rate `lam`): `t = E0 / lam`, `z = lo + t` | `z <= hi` and `E >= (t - dl)*(t - dl) * 0.5` | >= 0.63 (one-sided: >= 0.76, -> 1 in the far tail) |
//!
//! where `dl = 2 / (lo + sqrt(lo*lo + 4))` (= `lam - lo`, computed without
//! cancellation; 0 when `lo*lo` overflows, then `lam = lo`), `lam = lo + dl`,
//! `u` = the uniform of word 0 ([`super::uniform`]: `(x >> 8) 2^-24`, f64
//! `(x >> 11) 2^-53`), `E0` and `E` the standard exponentials of word 0 and
//! word 1 ([`super::continuous::exponential_std_f32`]: `P(E >= v) = e^-v` to
//! the element's resolution, `q >= 2^-33` / `2^-54`), `phi` the normal
//! density. The acceptance tests are the exact rejection ratios written as
//! `E >= -ln(ratio)`: `phi(z)/phi(0)`, `phi(z)/phi(lo)` (`z^2 - lo^2 = t (2
//! lo + t)`) and Robert's `exp(-(z - lam)^2 / 2)` (`z - lam = t - dl`): the
//! differences, never `exp(-z^2/2)` itself, so nothing underflows however far
//! the tail ([1e3, inf], [-inf, -30], [30, 31] are as exact as [-2, 2]).
//! The switch rule compares the two proposals' bounding constants
//! (`w phi(lo)` for the uniform, `phi(lo) e^(dl^2/2) / lam` for the
//! exponential; Robert 1995, section 2.2): the cheaper is used.
//!
//! The acceptance rates are the worst over all intervals of each case
//! (computed with scipy, `tests/data/gen_truncnorm_reference.py`): the
//! overall worst is 0.4939 (at `[-0, 2.5066]` and `[-0, inf)`-like intervals
//! with `lo` just below 0). So an element needs more than
//! [`super::attempts::MAX_ATTEMPTS`] (64) attempts with probability at most
//! `0.5061^64 < 1.3e-19 < 2^-62`.
//!
//! # Words
//!
//! f32: 2 u32 words per attempt (word 0: the proposal; word 1: the
//! acceptance exponential; the normal proposal leaves word 1 unused). f64:
//! 4 u32 words = 2 u64 elements per attempt (u64 element `2i` of the attempt
//! stream: the proposal; `2i + 1`: the acceptance).
//!
//! # Output and fallback
//!
//! The accepted `z` lies in `[lo, hi]` exactly (the uniform's `lo + t` is
//! clamped to `hi`, the only clamp; the normal and exponential proposals are
//! rejected outside), so `z' = z` or `-z` lies in `[a, b]`, and the output
//! `mean + std * z'` lies in `[mean + std * a, mean + std * b]` (rounding is
//! monotone; for the standard normal that is `[a, b]` of the dtype). If all
//! 64 attempts are rejected the element is the mode of the truncated
//! normal: `0` when `lo < 0 < hi`, else `lo` (then negated if flipped).
//!
//! # Reach
//!
//! Inside an interval the output resolution is the proposal's: the normal's
//! (`|z| <= 6.34` in f32, `8.29` in f64: [`super::normal`]), the uniform's
//! (`2^-24 w`, `2^-53 w`), the exponential's (tail probability `2^-33`,
//! `2^-54`). The parameters are refused when `mean + std * z` could overflow:
//! at `z = b` (or, for `b = inf`, `max(a, 0) + 64`, beyond every reachable
//! `z`) and `z = a` (or `min(b, 0) - 64`).

use super::continuous::{exponential_std_f32, exponential_std_f64};
use super::exact_math::{exp_f32, exp_f64};
use super::normal::{standard_normal_f32, standard_normal_f64};
use super::uniform::{uniform_f32, uniform_f64};

/// u32 words per attempt, f32 output.
pub const WORDS_F32: u32 = 2;
/// u32 words per attempt, f64 output (two u64 elements).
pub const WORDS_F64: u32 = 4;

/// The proposal of a plan ([`PlanF32`], [`PlanF64`]; the method column of the module table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The exact normal, accepted inside `[lo, hi]`.
    Normal,
    /// Uniform on `[lo, hi]` around the centre, ratio `phi(z) / phi(0)`.
    UniformCentral,
    /// Uniform on `[lo, hi]` in a tail (`lo >= 0`), ratio `phi(z) / phi(lo)`.
    UniformTail,
    /// Robert's exponential proposal on `[lo, inf)`, rejected above `hi`.
    Exponential,
}

macro_rules! plan_impl {
    ($plan:ident, $t:ty, $w:ty, $sqrt2pi:ident, $exp:ident, $normal:ident, $uniform:ident,
     $expo:ident, $attempt:ident, $fallback:ident, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $plan {
            /// The method.
            pub method: Method,
            /// Lower end of the (possibly flipped) interval.
            pub lo: $t,
            /// Upper end of the (possibly flipped) interval.
            pub hi: $t,
            /// `hi - lo` (may be inf).
            pub w: $t,
            /// Whether the interval was flipped (`b <= 0`): results are negated.
            pub neg: bool,
            /// Robert's rate `lam = lo + dl` (tail methods).
            pub lam: $t,
            /// `dl = lam - lo = 2 / (lo + sqrt(lo*lo + 4))`.
            pub dl: $t,
        }

        impl $plan {
            /// The plan for `[a, b]` (`a < b`, no NaN; `a` may be `-inf`, `b` `+inf`).
            #[inline]
            pub fn new(a: $t, b: $t) -> Self {
                let (lo, hi, neg) = if b <= 0.0 {
                    (-b, -a, true)
                } else {
                    (a, b, false)
                };
                let w = hi - lo;
                let (mut lam, mut dl) = (0.0, 0.0);
                let method = if lo < 0.0 {
                    if w <= $sqrt2pi {
                        Method::UniformCentral
                    } else {
                        Method::Normal
                    }
                } else {
                    let s = (lo * lo + 4.0).sqrt();
                    dl = 2.0 / (lo + s);
                    lam = lo + dl;
                    if w * lam <= $exp((dl * dl) * 0.5) {
                        Method::UniformTail
                    } else {
                        Method::Exponential
                    }
                };
                $plan {
                    method,
                    lo,
                    hi,
                    w,
                    neg,
                    lam,
                    dl,
                }
            }

            /// One attempt from its two words (proposal, acceptance): the
            /// standard variate in `[lo, hi]` (not yet negated), or `None`.
            #[inline(always)]
            pub fn $attempt(&self, x0: $w, x1: $w) -> Option<$t> {
                match self.method {
                    Method::Normal => {
                        let z = $normal(x0);
                        if self.lo <= z && z <= self.hi {
                            Some(z)
                        } else {
                            None
                        }
                    }
                    Method::UniformCentral => {
                        let t = self.w * $uniform(x0);
                        let z = self.lo + t;
                        let z = if z > self.hi { self.hi } else { z };
                        if $expo(x1) >= (z * z) * 0.5 {
                            Some(z)
                        } else {
                            None
                        }
                    }
                    Method::UniformTail => {
                        let t = self.w * $uniform(x0);
                        let z = self.lo + t;
                        let z = if z > self.hi { self.hi } else { z };
                        if $expo(x1) >= t * (self.lo + t * 0.5) {
                            Some(z)
                        } else {
                            None
                        }
                    }
                    Method::Exponential => {
                        let t = $expo(x0) / self.lam;
                        let z = self.lo + t;
                        let e = t - self.dl;
                        if z <= self.hi && $expo(x1) >= (e * e) * 0.5 {
                            Some(z)
                        } else {
                            None
                        }
                    }
                }
            }

            /// The fallback after [`super::attempts::MAX_ATTEMPTS`] rejections:
            /// the mode, `0` or `lo` (not yet negated).
            #[inline]
            pub fn $fallback(&self) -> $t {
                if self.lo < 0.0 { 0.0 } else { self.lo }
            }

            /// `mean + std * z'`, `z'` = `z` negated if the plan flipped.
            #[inline(always)]
            pub fn output(&self, z: $t, mean: $t, std: $t) -> $t {
                let z = if self.neg { -z } else { z };
                mean + std * z
            }
        }
    };
}

/// sqrt(2 pi) rounded to f32: the widest interval around the centre sampled
/// by the uniform proposal (where its bound `w phi(0)` is at most 1, the
/// normal's).
pub const SQRT_2PI_F32: f32 = 2.506_628_3;
/// sqrt(2 pi) rounded to f64.
pub const SQRT_2PI_F64: f64 = 2.506_628_274_631_000_2;

plan_impl!(
    PlanF32,
    f32,
    u32,
    SQRT_2PI_F32,
    exp_f32,
    standard_normal_f32,
    uniform_f32,
    exponential_std_f32,
    attempt_f32,
    fallback_f32,
    "The truncated normal's plan in f32 (see the module documentation)."
);
plan_impl!(
    PlanF64,
    f64,
    u64,
    SQRT_2PI_F64,
    exp_f64,
    standard_normal_f64,
    uniform_f64,
    exponential_std_f64,
    attempt_f64,
    fallback_f64,
    "The truncated normal's plan in f64 (see the module documentation)."
);

/// One f32 element from its attempts: `words(a)` gives attempt `a`'s two u32
/// words (a = 0, 1, ...); at most [`super::attempts::MAX_ATTEMPTS`] are asked for.
#[inline]
pub fn truncated_normal_f32(
    plan: &PlanF32,
    mean: f32,
    std: f32,
    mut words: impl FnMut(u32) -> [u32; 2],
) -> f32 {
    let mut z = None;
    for a in 0..super::attempts::MAX_ATTEMPTS {
        let [x0, x1] = words(a);
        z = plan.attempt_f32(x0, x1);
        if z.is_some() {
            break;
        }
    }
    plan.output(z.unwrap_or_else(|| plan.fallback_f32()), mean, std)
}

/// One f64 element from its attempts: `words(a)` gives attempt `a`'s two u64 elements.
#[inline]
pub fn truncated_normal_f64(
    plan: &PlanF64,
    mean: f64,
    std: f64,
    mut words: impl FnMut(u32) -> [u64; 2],
) -> f64 {
    let mut z = None;
    for a in 0..super::attempts::MAX_ATTEMPTS {
        let [x0, x1] = words(a);
        z = plan.attempt_f64(x0, x1);
        if z.is_some() {
            break;
        }
    }
    plan.output(z.unwrap_or_else(|| plan.fallback_f64()), mean, std)
}

// ---------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------

use super::{DType, Params};
use crate::error::Error;

/// Checks `truncated-normal:A,B,MEAN,STD` for `dtype` (f32 or f64), on the
/// values as the dtype holds them: no NaN; `A < B`, `A != +inf`, `B != -inf`;
/// `mean`, `std` finite, `std >= 0`; `mean + std * z` finite at the reach
/// bounds of the module documentation.
pub(crate) fn check(a: f64, b: f64, mean: f64, std: f64, dtype: DType) -> Result<Params, Error> {
    let bad = |reason: String| Err(Error::BadParameter { reason });
    let spec = format!("truncated-normal:{a},{b},{mean},{std}");
    if a.is_nan() || b.is_nan() || !mean.is_finite() || !std.is_finite() || std < 0.0 {
        return bad(format!(
            "{spec} needs bounds that are numbers or +-inf, a finite mean and a finite std >= 0"
        ));
    }
    // In the dtype's arithmetic (f32 values are exact in f64, and the checks
    // below are single roundings to f32 when done on f32 values).
    let finite_in = |v: f64| -> bool {
        if dtype == DType::F32 {
            (v as f32).is_finite()
        } else {
            v.is_finite()
        }
    };
    let (ta, tb, tm, ts) = if dtype == DType::F32 {
        (
            f64::from(a as f32),
            f64::from(b as f32),
            f64::from(mean as f32),
            f64::from(std as f32),
        )
    } else {
        (a, b, mean, std)
    };
    if !finite_in(mean) || !finite_in(std) {
        return bad(format!("{spec}: mean or std overflows {dtype}"));
    }
    if ta >= tb || ta == f64::INFINITY || tb == f64::NEG_INFINITY {
        return bad(format!(
            "{spec} needs A < B (A may be -inf, B inf), in {dtype}"
        ));
    }
    let zb = if tb.is_finite() {
        tb
    } else {
        ta.max(0.0) + 64.0
    };
    let za = if ta.is_finite() {
        ta
    } else {
        tb.min(0.0) - 64.0
    };
    let ok = |z: f64| -> bool {
        if dtype == DType::F32 {
            let (m, s, z) = (tm as f32, ts as f32, z as f32);
            z.is_finite() && (m + s * z).is_finite()
        } else {
            z.is_finite() && (tm + ts * z).is_finite()
        }
    };
    if !ok(za) || !ok(zb) {
        return bad(format!(
            "{spec}: mean + std * z overflows {dtype} at the ends of the interval; use a smaller std or mean, or a bounded interval"
        ));
    }
    Ok(Params::TruncNormal { a, b, mean, std })
}

/// Parses the parameters of `truncated-normal:A,B[,MEAN,STD]`: `A` and `B`
/// are reals of [`crate::grammar::real`] or `-inf` / `inf` (any case), MEAN
/// and STD reals (0 and 1 when left out).
pub(crate) fn parse(arg: Option<&str>) -> Result<super::Distribution, String> {
    const USAGE: &str = "expected truncated-normal:A,B or truncated-normal:A,B,MEAN,STD";
    let arg = arg.ok_or_else(|| USAGE.to_string())?;
    let parts: Vec<&str> = arg.split(',').collect();
    if parts.len() != 2 && parts.len() != 4 {
        return Err(USAGE.to_string());
    }
    let bound = |text: &str, label: &str| -> Result<f64, String> {
        if text.eq_ignore_ascii_case("inf") {
            Ok(f64::INFINITY)
        } else if text.eq_ignore_ascii_case("-inf") {
            Ok(f64::NEG_INFINITY)
        } else {
            crate::grammar::real(text).map_err(|e| format!("{label}: {e} (or -inf / inf)"))
        }
    };
    let a = bound(parts[0], "A")?;
    let b = bound(parts[1], "B")?;
    let (mean, std) = if parts.len() == 4 {
        (
            crate::grammar::real(parts[2]).map_err(|e| format!("MEAN: {e}"))?,
            crate::grammar::real(parts[3]).map_err(|e| format!("STD: {e}"))?,
        )
    } else {
        (0.0, 1.0)
    };
    Ok(super::Distribution::TruncatedNormal { a, b, mean, std })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_picks_the_documented_method() {
        let inf = f64::INFINITY;
        for (a, b, m, neg) in [
            (-2.0, 2.0, Method::Normal, false),
            (-0.1, 0.1, Method::UniformCentral, false),
            (0.0, inf, Method::Exponential, false),
            (-inf, -30.0, Method::Exponential, true),
            (30.0, 30.01, Method::UniformTail, false),
            (8.0, 9.0, Method::Exponential, false),
            (-inf, inf, Method::Normal, false),
        ] {
            let p = PlanF64::new(a, b);
            assert_eq!((p.method, p.neg), (m, neg), "[{a}, {b}]");
            let p = PlanF32::new(a as f32, b as f32);
            assert_eq!((p.method, p.neg), (m, neg), "[{a}, {b}] f32");
        }
        // huge bounds: lo * lo overflows, the rate is lo, nothing is NaN
        let p = PlanF64::new(1e300, f64::INFINITY);
        assert_eq!((p.dl, p.lam), (0.0, 1e300));
        let z = p.attempt_f64(0x8000_0000_0000_0000, 0).unwrap();
        assert_eq!(z, 1e300);
    }

    #[test]
    fn every_rejection_ends_in_the_mode() {
        // word 0 = 0: the normal's largest |z| (6.34, outside [-2, 2]) and
        // the exponential's largest E (22.9, beyond 3.5): always rejected
        let p = PlanF32::new(-2.0, 2.0);
        let mut calls = 0;
        let v = truncated_normal_f32(&p, 0.0, 1.0, |_| {
            calls += 1;
            [0, 0]
        });
        assert_eq!((v, calls), (0.0, super::super::attempts::MAX_ATTEMPTS));
        let p = PlanF64::new(-3.5, -3.0);
        let v = truncated_normal_f64(&p, 1.0, 2.0, |_| [0, 0]);
        assert_eq!(v, 1.0 + 2.0 * -3.0);
    }
}

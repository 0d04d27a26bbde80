//! Continuous distributions by inverse CDF (stream contract version 2): each
//! output element is a pure function of ONE stream element, built from the
//! crate's exact elementary functions ([`super::exact_math`]), so every value
//! is the same on every CPU and GPU. CUDA twins: `kernels/cbrng/continuous.cuh`
//! (same names, `cbrng_` prefixed).
//!
//! # The uniform input
//!
//! f32 element `i` reads u32 stream element `i`; f64 element `i` reads u64
//! stream element `i`, exactly as the normal does, and splits it the same way
//! ([`tail_f32`], [`tail_f64`]): the top bit says which half of (0, 1) the
//! uniform `u` lies in (set: the lower half, `u = q`; clear: the upper half,
//! `u = 1 - q`), and the other bits give the tail probability
//! `q = (2k + 1) * 2^-33` (f32; `k` the low 31 bits) or `(2k + 1) * 2^-54`
//! (f64; `k` bits 11..=62), in (0, 1/2), together with `d = 1/2 - q`, each
//! rounded once from the exact value. `u` is never 0 or 1, and every formula
//! below is evaluated from whichever of `q` and `d` is accurate there, so both
//! tails keep their full relative precision: no output is ever inf or NaN
//! (parameters are checked so that the affine step cannot overflow).
//!
//! # The maps (standard variates; then location and scale in the dtype)
//!
//! | distribution | standard variate from (q, d, lower) | output |
//! |---|---|---|
//! | exponential:LAMBDA | `E = -log1p(-q)` (lower) or `-ln(q)` (upper) | `E / lambda` |
//! | gumbel:MU,BETA | `G = -ln(E)`, `E` as above | `mu + beta * G` |
//! | laplace:MU,B | `L = ln(2q)` (lower) or `-ln(2q)` (upper) | `mu + b * L` |
//! | logistic:MU,S | `|X| = log1p(2d / q)`, negative iff lower | `mu + s * X` |
//! | cauchy:X0,GAMMA | `|C| = cospi(q) / sinpi(q)` if `q <= 1/4`, else `sinpi(d) / cospi(d)`; negative iff lower | `x0 + gamma * C` |
//! | log-normal:MU,SIGMA | `Z` = the normal of the same element ([`super::normal`]) | `exp(mu + sigma * Z)` |
//!
//! Each operation is one IEEE operation in the output type (f32 arithmetic for
//! f32, f64 for f64), in the order written, parameters converted to the type
//! first; `ln`, `log1p`, `exp`, `sinpi`, `cospi` are those of
//! [`super::exact_math`]. "Negative iff lower" sets the sign of the positive
//! magnitude (the magnitude is > 0 except Laplace's at `2q = 1`, where the
//! sign of zero follows the rule too).
//!
//! # Accuracy (measured)
//!
//! Against the exact quantile at the exact `q` (mpmath; the rounding of `q`
//! and `d` included), on `tests/data/exact_math_reference.txt`
//! (`tests/exact_math.rs`; 622 stream elements per variate and type, the
//! edges included), in ulps of the exact value (of `max(|x|, 1)` for Gumbel
//! and Laplace, which cross zero where `q` has an absolute error):
//!
//! | standard variate | f32 | f64 |
//! |---|---|---|
//! | exponential | 1.47 ulp | 1.44 ulp |
//! | gumbel | 1.06 ulp | 1.13 ulp |
//! | laplace | 0.87 ulp | 0.64 ulp |
//! | logistic | 1.83 ulp | 1.22 ulp |
//! | cauchy | 2.71 ulp | 2.13 ulp |
//!
//! The location-scale step adds its two roundings; log-normal is `exp` (0.99
//! / 1.00 ulp) of the normal's `mu + sigma * Z`, whose absolute error is
//! multiplied into a relative one by `exp`.
//!
//! # Reach
//!
//! f32: `q >= 2^-33`, so `E <= 22.87`, `|X|` (logistic) `<= 22.87`, `|L| <=
//! 22.18`, `|C| <= 2.73e9`, `E >= 2^-33`; f64: `q >= 2^-54`: `E <= 37.43`,
//! `|C| <= 5.73e15`.

use super::exact_math::{
    cospi_f32, cospi_f64, exp_f32, exp_f64, ln_f32, ln_f64, log1p_f32, log1p_f64, sinpi_f32,
    sinpi_f64,
};
use super::normal::{TWO_POW_M33, TWO_POW_M54, standard_normal_f32, standard_normal_f64};

/// The split of a u32 element: `(q, d, lower)` with `q = (2k+1) * 2^-33`
/// rounded to f32 (`k = x & 0x7fff_ffff`), `d = (2^32 - (2k+1)) * 2^-33`
/// rounded to f32 (so `d` is `1/2 - q` rounded once), and `lower` = bit 31.
#[inline(always)]
pub fn tail_f32(x: u32) -> (f32, f32, bool) {
    let q_int = 2 * (x & 0x7fff_ffff) + 1;
    let q = (q_int as f32) * TWO_POW_M33;
    let d = (q_int.wrapping_neg() as f32) * TWO_POW_M33;
    (q, d, x >> 31 == 1)
}

/// The split of a u64 element: `q = (2k+1) * 2^-54` with
/// `k = (x & (2^63 - 1)) >> 11`, `d = 1/2 - q` (both exact in f64), and
/// `lower` = bit 63.
#[inline(always)]
pub fn tail_f64(x: u64) -> (f64, f64, bool) {
    let q_int = 2 * ((x & 0x7fff_ffff_ffff_ffff) >> 11) + 1;
    let q = (q_int as f64) * TWO_POW_M54;
    let d = (((1u64 << 53) - q_int) as f64) * TWO_POW_M54;
    (q, d, x >> 63 == 1)
}

/// `m` with its sign bit set when `negative` (`m >= 0`).
#[inline(always)]
fn signed_f32(m: f32, negative: bool) -> f32 {
    f32::from_bits(m.to_bits() | (u32::from(negative) << 31))
}

#[inline(always)]
fn signed_f64(m: f64, negative: bool) -> f64 {
    f64::from_bits(m.to_bits() | (u64::from(negative) << 63))
}

/// Standard exponential (rate 1) from one u32 element: `-log1p(-q)` in the
/// lower half, `-ln(q)` in the upper half. In `[2^-33, 22.87]`.
#[inline(always)]
pub fn exponential_std_f32(x: u32) -> f32 {
    let (q, _, lower) = tail_f32(x);
    // -log1p(-q) = -(ln(u) + c/u) with u = 1 - q and c = -q - (u - 1) (see
    // exact_math::log1p_f32); -ln(q) = -(ln(q) + 0/q). One expression, no branch.
    let (u, c) = if lower {
        let u = 1.0 - q;
        (u, -q - (u - 1.0))
    } else {
        (q, 0.0)
    };
    -(ln_f32(u) + c / u)
}

/// Standard exponential from one u64 element, as [`exponential_std_f32`].
/// In `[2^-54, 37.43]`.
#[inline(always)]
pub fn exponential_std_f64(x: u64) -> f64 {
    let (q, _, lower) = tail_f64(x);
    let (u, c) = if lower {
        let u = 1.0 - q;
        (u, -q - (u - 1.0))
    } else {
        (q, 0.0)
    };
    -(ln_f64(u) + c / u)
}

/// Standard Gumbel (location 0, scale 1) from one u32 element: `-ln(E)`.
#[inline(always)]
pub fn gumbel_std_f32(x: u32) -> f32 {
    -ln_f32(exponential_std_f32(x))
}

/// Standard Gumbel from one u64 element: `-ln(E)`.
#[inline(always)]
pub fn gumbel_std_f64(x: u64) -> f64 {
    -ln_f64(exponential_std_f64(x))
}

/// Standard Laplace (location 0, scale 1) from one u32 element:
/// `ln(2q)` in the lower half, `-ln(2q)` in the upper.
#[inline(always)]
pub fn laplace_std_f32(x: u32) -> f32 {
    let (q, _, lower) = tail_f32(x);
    let l = ln_f32(2.0 * q);
    if lower { l } else { -l }
}

/// Standard Laplace from one u64 element, as [`laplace_std_f32`].
#[inline(always)]
pub fn laplace_std_f64(x: u64) -> f64 {
    let (q, _, lower) = tail_f64(x);
    let l = ln_f64(2.0 * q);
    if lower { l } else { -l }
}

/// Standard logistic (location 0, scale 1) from one u32 element:
/// `log1p(2d / q)`, negative in the lower half.
#[inline(always)]
pub fn logistic_std_f32(x: u32) -> f32 {
    let (q, d, lower) = tail_f32(x);
    signed_f32(log1p_f32((2.0 * d) / q), lower)
}

/// Standard logistic from one u64 element, as [`logistic_std_f32`].
#[inline(always)]
pub fn logistic_std_f64(x: u64) -> f64 {
    let (q, d, lower) = tail_f64(x);
    signed_f64(log1p_f64((2.0 * d) / q), lower)
}

/// Standard Cauchy (location 0, scale 1) from one u32 element:
/// `|C| = cot(pi q)`, as `cospi(q) / sinpi(q)` for `q <= 1/4` and as
/// `sinpi(d) / cospi(d)` (= `tan(pi d)`) above; negative in the lower half.
#[inline(always)]
pub fn cauchy_std_f32(x: u32) -> f32 {
    let (q, d, lower) = tail_f32(x);
    let m = if q <= 0.25 {
        cospi_f32(q) / sinpi_f32(q)
    } else {
        sinpi_f32(d) / cospi_f32(d)
    };
    signed_f32(m, lower)
}

/// Standard Cauchy from one u64 element, as [`cauchy_std_f32`].
#[inline(always)]
pub fn cauchy_std_f64(x: u64) -> f64 {
    let (q, d, lower) = tail_f64(x);
    let m = if q <= 0.25 {
        cospi_f64(q) / sinpi_f64(q)
    } else {
        sinpi_f64(d) / cospi_f64(d)
    };
    signed_f64(m, lower)
}

/// Exponential with rate `lambda` (> 0), f32: `E / lambda`.
#[inline(always)]
pub fn exponential_f32(x: u32, lambda: f32) -> f32 {
    exponential_std_f32(x) / lambda
}

/// Exponential with rate `lambda` (> 0), f64: `E / lambda`.
#[inline(always)]
pub fn exponential_f64(x: u64, lambda: f64) -> f64 {
    exponential_std_f64(x) / lambda
}

/// Log-normal, f32: `exp(mu + sigma * Z)`, `Z` the standard normal of `x`.
#[inline(always)]
pub fn log_normal_f32(x: u32, mu: f32, sigma: f32) -> f32 {
    exp_f32(mu + sigma * standard_normal_f32(x))
}

/// Log-normal, f64: `exp(mu + sigma * Z)`.
#[inline(always)]
pub fn log_normal_f64(x: u64, mu: f64, sigma: f64) -> f64 {
    exp_f64(mu + sigma * standard_normal_f64(x))
}

/// `loc + scale * s`, the location-scale step of the distributions below.
macro_rules! location_scale {
    ($(#[$m:meta])* $name:ident, $std:ident, $word:ty, $float:ty) => {
        $(#[$m])*
        #[inline(always)]
        pub fn $name(x: $word, loc: $float, scale: $float) -> $float {
            loc + scale * $std(x)
        }
    };
}
location_scale!(
    /// Gumbel, f32: `mu + beta * G`.
    gumbel_f32, gumbel_std_f32, u32, f32
);
location_scale!(
    /// Gumbel, f64: `mu + beta * G`.
    gumbel_f64, gumbel_std_f64, u64, f64
);
location_scale!(
    /// Laplace, f32: `mu + b * L`.
    laplace_f32, laplace_std_f32, u32, f32
);
location_scale!(
    /// Laplace, f64: `mu + b * L`.
    laplace_f64, laplace_std_f64, u64, f64
);
location_scale!(
    /// Logistic, f32: `mu + s * X`.
    logistic_f32, logistic_std_f32, u32, f32
);
location_scale!(
    /// Logistic, f64: `mu + s * X`.
    logistic_f64, logistic_std_f64, u64, f64
);
location_scale!(
    /// Cauchy, f32: `x0 + gamma * C`.
    cauchy_f32, cauchy_std_f32, u32, f32
);
location_scale!(
    /// Cauchy, f64: `x0 + gamma * C`.
    cauchy_f64, cauchy_std_f64, u64, f64
);

/// The largest f32 below `x` (`x` finite).
#[inline(always)]
fn next_down_f32(x: f32) -> f32 {
    let b = x.to_bits();
    f32::from_bits(if x == 0.0 {
        0x8000_0001
    } else if x > 0.0 {
        b - 1
    } else {
        b + 1
    })
}

#[inline(always)]
fn next_down_f64(x: f64) -> f64 {
    let b = x.to_bits();
    f64::from_bits(if x == 0.0 {
        0x8000_0000_0000_0001
    } else if x > 0.0 {
        b - 1
    } else {
        b + 1
    })
}

/// Uniform on `[lo, hi)`, f32 (`lo < hi`, `hi - lo` finite): `v = lo + (hi -
/// lo) * u` with `u` = [`super::uniform::uniform_f32`] of the same element
/// (`[0, 1)`, multiples of 2^-24); where rounding makes `v >= hi`, the largest
/// f32 below `hi` instead. So `lo` is reached (at `u = 0`) and `hi` never.
#[inline(always)]
pub fn uniform_range_f32(x: u32, lo: f32, hi: f32) -> f32 {
    let v = lo + (hi - lo) * super::uniform::uniform_f32(x);
    if v >= hi { next_down_f32(hi) } else { v }
}

/// Uniform on `[lo, hi)`, f64, as [`uniform_range_f32`] with
/// [`super::uniform::uniform_f64`] (multiples of 2^-53).
#[inline(always)]
pub fn uniform_range_f64(x: u64, lo: f64, hi: f64) -> f64 {
    let v = lo + (hi - lo) * super::uniform::uniform_f64(x);
    if v >= hi { next_down_f64(hi) } else { v }
}

/// The largest f16 (as bits) below the f16 with bits `b` (finite).
#[inline(always)]
fn next_down_16(b: u16) -> u16 {
    if b & 0x7fff == 0 {
        0x8001
    } else if b >> 15 == 0 {
        b - 1
    } else {
        b + 1
    }
}

/// Whether two finite 16-bit floats (f16 or bf16 bits) are equal numbers
/// (`+0 == -0`).
#[inline(always)]
fn same_16(a: u16, b: u16) -> bool {
    a == b || (a & 0x7fff == 0 && b & 0x7fff == 0)
}

/// Uniform on `[lo, hi)` in f16 (contract v3; `lo`, `hi` f16 values given
/// as f32, `lo < hi`): `v` = [`uniform_range_f32`] of the same u32 element
/// (so `v` in `[lo, hi)`), rounded once to f16 (nearest even); where that
/// rounding gives `hi`, the largest f16 below `hi`. So `lo` is reached and
/// `hi` never, as in f32.
#[inline(always)]
pub fn uniform_range_f16(x: u32, lo: f32, hi: f32) -> half::f16 {
    let r = super::dropout::f32_to_f16_bits(uniform_range_f32(x, lo, hi));
    let hb = super::dropout::f32_to_f16_bits(hi);
    half::f16::from_bits(if same_16(r, hb) { next_down_16(hb) } else { r })
}

/// Uniform on `[lo, hi)` in bf16, as [`uniform_range_f16`] with bf16
/// rounding (`lo`, `hi` bf16 values given as f32).
#[inline(always)]
pub fn uniform_range_bf16(x: u32, lo: f32, hi: f32) -> half::bf16 {
    let r = super::dropout::f32_to_bf16_bits(uniform_range_f32(x, lo, hi));
    let hb = super::dropout::f32_to_bf16_bits(hi);
    half::bf16::from_bits(if same_16(r, hb) { next_down_16(hb) } else { r })
}

/// Normal in f16: `mean + std * Z` in f32 (`Z` the f32 standard normal of the
/// u32 element, `mean` and `std` rounded to f32), then rounded once to f16.
#[inline(always)]
pub fn normal_f16(x: u32, mean: f32, std: f32) -> half::f16 {
    half::f16::from_bits(super::dropout::f32_to_f16_bits(
        mean + std * standard_normal_f32(x),
    ))
}

/// Normal in bf16: `mean + std * Z` in f32, then rounded once to bf16.
#[inline(always)]
pub fn normal_bf16(x: u32, mean: f32, std: f32) -> half::bf16 {
    half::bf16::from_bits(super::dropout::f32_to_bf16_bits(
        mean + std * standard_normal_f32(x),
    ))
}

/// The u32 elements at which f32 outputs take their extremes (both tails,
/// both ends of `k`): what [`super::Distribution::prepare`] evaluates to check
/// that the parameters cannot overflow.
pub(crate) const EXTREME_U32: [u32; 4] = [0, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
/// The u64 elements at which f64 outputs take their extremes.
pub(crate) const EXTREME_U64: [u64; 4] = [
    0,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    0xffff_ffff_ffff_ffff,
];

// ---------------------------------------------------------------------------
// Parameters: parsing and checking (called from super::Distribution)
// ---------------------------------------------------------------------------

use super::{DType, Distribution, Params};
use crate::error::Error;
use crate::grammar::real;

/// One f32 element of a contract v2 distribution with `Params::Real { a, b }`
/// (its two parameters as f32), from u32 element `x`: the per-element form
/// of the fill's maps, for callers that draw one element at a time
/// ([`super::Sampler`]).
pub fn real_f32(d: &Distribution, x: u32, a: f32, b: f32) -> f32 {
    use Distribution as D;
    match d {
        D::UniformRange { .. } => uniform_range_f32(x, a, b),
        D::Exponential { .. } => exponential_f32(x, a),
        D::LogNormal { .. } => log_normal_f32(x, a, b),
        D::Gumbel { .. } => gumbel_f32(x, a, b),
        D::Cauchy { .. } => cauchy_f32(x, a, b),
        D::Logistic { .. } => logistic_f32(x, a, b),
        D::Laplace { .. } => laplace_f32(x, a, b),
        _ => unreachable!("only the contract v2 distributions have Params::Real"),
    }
}

/// [`real_f32`] in f64, from u64 element `x`.
pub fn real_f64(d: &Distribution, x: u64, a: f64, b: f64) -> f64 {
    use Distribution as D;
    match d {
        D::UniformRange { .. } => uniform_range_f64(x, a, b),
        D::Exponential { .. } => exponential_f64(x, a),
        D::LogNormal { .. } => log_normal_f64(x, a, b),
        D::Gumbel { .. } => gumbel_f64(x, a, b),
        D::Cauchy { .. } => cauchy_f64(x, a, b),
        D::Logistic { .. } => logistic_f64(x, a, b),
        D::Laplace { .. } => laplace_f64(x, a, b),
        _ => unreachable!("only the contract v2 distributions have Params::Real"),
    }
}

/// Parses the contract v2 specs `NAME[:A,B]` (`uniform:LO,HI`,
/// `exponential[:LAMBDA]`, ...); `None` for a name that is not one of them,
/// `Some(Err(reason))` for bad parameters.
pub(crate) fn parse(name: &str, arg: Option<&str>) -> Option<Result<Distribution, String>> {
    type Make = fn(f64, f64) -> Distribution;
    let (names, default, make): (&str, Option<(f64, f64)>, Make) = match name {
        "uniform" => ("LO,HI", None, |lo, hi| Distribution::UniformRange {
            lo,
            hi,
        }),
        "exponential" => ("LAMBDA", Some((1.0, 0.0)), |lambda, _| {
            Distribution::Exponential { lambda }
        }),
        "log-normal" => ("MU,SIGMA", Some((0.0, 1.0)), |mu, sigma| {
            Distribution::LogNormal { mu, sigma }
        }),
        "gumbel" => ("MU,BETA", Some((0.0, 1.0)), |mu, beta| {
            Distribution::Gumbel { mu, beta }
        }),
        "cauchy" => ("X0,GAMMA", Some((0.0, 1.0)), |x0, gamma| {
            Distribution::Cauchy { x0, gamma }
        }),
        "logistic" => ("MU,S", Some((0.0, 1.0)), |mu, s| Distribution::Logistic {
            mu,
            s,
        }),
        "laplace" => ("MU,B", Some((0.0, 1.0)), |mu, b| Distribution::Laplace {
            mu,
            b,
        }),
        _ => return None,
    };
    let Some(arg) = arg else {
        return Some(
            default
                .map(|(a, b)| make(a, b))
                .ok_or_else(|| format!("expected {name}:{names}")),
        );
    };
    let values: Vec<&str> = arg.split(',').collect();
    let labels: Vec<&str> = names.split(',').collect();
    if values.len() != labels.len() {
        return Some(Err(format!("expected {name}:{names}")));
    }
    let mut v = [0.0f64; 2];
    for (k, (text, label)) in values.iter().zip(&labels).enumerate() {
        match real(text) {
            Ok(x) => v[k] = x,
            Err(e) => return Some(Err(format!("{label}: {e}"))),
        }
    }
    Some(Ok(make(v[0], v[1])))
}

/// The two parameters of a v2 distribution, their names, and the rule the
/// second (or, for the exponential, the first) must satisfy.
fn params_of(d: &Distribution) -> (f64, f64, &'static str, &'static str) {
    match *d {
        Distribution::UniformRange { lo, hi } => (lo, hi, "lo", "hi"),
        Distribution::Exponential { lambda } => (lambda, 0.0, "lambda", ""),
        Distribution::LogNormal { mu, sigma } => (mu, sigma, "mu", "sigma"),
        Distribution::Gumbel { mu, beta } => (mu, beta, "mu", "beta"),
        Distribution::Cauchy { x0, gamma } => (x0, gamma, "x0", "gamma"),
        Distribution::Logistic { mu, s } => (mu, s, "mu", "s"),
        Distribution::Laplace { mu, b } => (mu, b, "mu", "b"),
        _ => unreachable!("only the contract v2 distributions come here"),
    }
}

/// Element function of a v2 distribution in f32, parameters in f32.
fn element_f32(d: &Distribution) -> fn(u32, f32, f32) -> f32 {
    match d {
        Distribution::UniformRange { .. } => uniform_range_f32,
        Distribution::Exponential { .. } => |x, l, _| exponential_f32(x, l),
        Distribution::LogNormal { .. } => log_normal_f32,
        Distribution::Gumbel { .. } => gumbel_f32,
        Distribution::Cauchy { .. } => cauchy_f32,
        Distribution::Logistic { .. } => logistic_f32,
        _ => laplace_f32,
    }
}

/// Element function of a v2 distribution in f64.
fn element_f64(d: &Distribution) -> fn(u64, f64, f64) -> f64 {
    match d {
        Distribution::UniformRange { .. } => uniform_range_f64,
        Distribution::Exponential { .. } => |x, l, _| exponential_f64(x, l),
        Distribution::LogNormal { .. } => log_normal_f64,
        Distribution::Gumbel { .. } => gumbel_f64,
        Distribution::Cauchy { .. } => cauchy_f64,
        Distribution::Logistic { .. } => logistic_f64,
        _ => laplace_f64,
    }
}

/// Checks a v2 distribution's parameters for `dtype` (f32 or f64): finite;
/// lambda > 0, sigma >= 0, other scales > 0, lo < hi with hi - lo finite,
/// all after rounding to the dtype; and no output overflows (the outputs at
/// the extreme stream elements, where each map takes its largest
/// magnitudes, are finite).
pub(crate) fn check(d: &Distribution, dtype: DType) -> Result<Params, Error> {
    let (a, b, an, bn) = params_of(d);
    let bad = |reason: String| Err(Error::BadParameter { reason });
    if !a.is_finite() || !b.is_finite() {
        return bad(format!("{d} needs finite parameters"));
    }
    if let DType::F16 | DType::BF16 = dtype {
        // uniform:LO,HI only (dtypes() admits no other v2 distribution in
        // 16 bits): LO and HI rounded to f32, then to the 16-bit type.
        let (lo, hi) = (round_16(a, dtype), round_16(b, dtype));
        if !lo.is_finite() || !hi.is_finite() {
            return bad(format!("{d}: a bound overflows {dtype}"));
        }
        if lo >= hi {
            return bad(format!("{d} needs lo < hi (in {dtype}: {lo}, {hi})"));
        }
        if !(hi - lo).is_finite() {
            return bad(format!("{d}: hi - lo overflows f32"));
        }
        return Ok(Params::Real {
            a: f64::from(lo),
            b: f64::from(hi),
        });
    }
    // The rule, on the parameters as the dtype holds them.
    let rule = |a: f64, b: f64| -> Result<(), String> {
        match d {
            Distribution::UniformRange { .. } if a >= b => Err(format!("needs {an} < {bn}")),
            Distribution::UniformRange { .. } if !(b - a).is_finite() => {
                Err(format!("{bn} - {an} overflows"))
            }
            Distribution::Exponential { .. } if a <= 0.0 => Err(format!("needs {an} > 0")),
            Distribution::LogNormal { .. } if b < 0.0 => Err(format!("needs {bn} >= 0")),
            Distribution::Exponential { .. }
            | Distribution::LogNormal { .. }
            | Distribution::UniformRange { .. } => Ok(()),
            _ if b <= 0.0 => Err(format!("needs {bn} > 0")),
            _ => Ok(()),
        }
    };
    if dtype == DType::F32 {
        let (fa, fb) = (a as f32, b as f32);
        if !fa.is_finite() || !fb.is_finite() {
            return bad(format!("{d}: a parameter overflows f32"));
        }
        if let Err(e) = rule(f64::from(fa), f64::from(fb)) {
            return bad(format!("{d} {e} (in f32)"));
        }
        // hi - lo in f32 arithmetic.
        if matches!(d, Distribution::UniformRange { .. }) && !(fb - fa).is_finite() {
            return bad(format!("{d}: {bn} - {an} overflows f32"));
        }
        let f = element_f32(d);
        for x in EXTREME_U32 {
            let v = f(x, fa, fb);
            if !v.is_finite() {
                return bad(format!(
                    "{d}: the extreme outputs overflow f32 (element {x:#010x} gives {v}); use a smaller scale or location"
                ));
            }
        }
    } else {
        if let Err(e) = rule(a, b) {
            return bad(format!("{d} {e}"));
        }
        let f = element_f64(d);
        for x in EXTREME_U64 {
            let v = f(x, a, b);
            if !v.is_finite() {
                return bad(format!(
                    "{d}: the extreme outputs overflow f64 (element {x:#018x} gives {v}); use a smaller scale or location"
                ));
            }
        }
    }
    Ok(Params::Real { a, b })
}

/// `x` rounded to f32, then to f16 or bf16 (each to nearest even), as f32.
pub(crate) fn round_16(x: f64, dtype: DType) -> f32 {
    let x = x as f32;
    if dtype == DType::F16 {
        half::f16::from_bits(super::dropout::f32_to_f16_bits(x)).to_f32()
    } else {
        half::bf16::from_bits(super::dropout::f32_to_bf16_bits(x)).to_f32()
    }
}

/// Whether `mean + std * Z`, rounded to f16 or bf16, is finite at the
/// extreme elements (the normal's f16/bf16 check).
pub(crate) fn normal_16_is_finite(mean: f64, std: f64, dtype: DType) -> bool {
    let (m, s) = (mean as f32, std as f32);
    m.is_finite()
        && s.is_finite()
        && EXTREME_U32.iter().all(|&x| {
            if dtype == DType::F16 {
                normal_f16(x, m, s).is_finite()
            } else {
                normal_bf16(x, m, s).is_finite()
            }
        })
}

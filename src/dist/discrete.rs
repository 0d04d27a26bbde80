//! The discrete rejection samplers of contract v3: `poisson:LAMBDA` and
//! `binomial:N,P`, in u32, u64, i32 and i64.
//!
//! Both are pure functions of their attempt words ([`super::attempts`]): the
//! layout is [`super::Layout::Attempts`] with **4 u32 words per attempt**,
//! read as two u64 elements `x0 = u64 element 2i`, `x1 = u64 element 2i + 1`
//! of attempt stream `a` (u32 words `4i .. 4i + 4`, the u64 view's pairing).
//! Every regime uses the same words, so the u32 and u64 outputs of one
//! (key, stream, parameters) are the same numbers: the dtype only decides
//! which parameters are allowed (below).
//!
//! # Uniforms made of the words
//!
//! * `u53(x) = (x >> 11) * 2^-53`, in `[0, 1)`: the inversion's uniform.
//! * `open(x) = (2 (x >> 12) + 1) * 2^-53`, in `(0, 1)`, never 0 or 1.
//! * `centred(x) = open(x) - 0.5 = (2 (x >> 12) + 1 - 2^52) * 2^-53`, in
//!   `(-0.5, 0.5)`, exact; so `us = 0.5 - |U| >= 2^-53` is never 0.
//!
//! All arithmetic is IEEE-754 f64 `+ - * /`, `sqrt` and `floor` (exact),
//! with the crate's own `ln`, `log1p` and `exp` ([`super::exact_math`]): no
//! FMA, no libm, evaluated in the order written, so CPU and GPU draw the same
//! bits (`kernels/cbrng/discrete.cuh` is the twin, with the same names).
//!
//! # poisson:LAMBDA
//!
//! * `LAMBDA = 0`: every element is 0 (no word is used).
//! * `0 < LAMBDA < 10` ([`POISSON_INVERSION_BELOW`]): **inversion** by
//!   sequential search. `u = u53(x0)`; `f = exp(-LAMBDA)`, `F = f`, `k = 0`;
//!   while `u >= F`: `k += 1`, `f = (f * LAMBDA) / k`, `F = F + f`. The
//!   result is the first `k` with `u < F`. If `k` would pass
//!   [`INVERSION_MAX_K`] (= 100; the probability mass beyond it is below
//!   1e-60 for LAMBDA < 10, but the rounded sum `F` may stop short of `u`
//!   when `u` is within about 1e-15 of 1), the attempt is **rejected** and
//!   the next attempt's `x0` is used. `x1` is not read.
//! * `LAMBDA >= 10`: **PTRS**, Hörmann's transformed rejection with squeeze
//!   (W. Hörmann, "The transformed rejection method for generating Poisson
//!   random variables", Insurance: Mathematics and Economics 12, 1993),
//!   with `s = sqrt(LAMBDA)`, `b = 0.931 + 2.53 s`,
//!   `a = -0.059 + 0.02483 b`, `inv_alpha = 1.1239 + 1.1328 / (b - 3.4)`,
//!   `v_r = 0.9277 - 3.6224 / (b - 2)`. One attempt: `U = centred(x0)`,
//!   `V = open(x1)`, `us = 0.5 - |U|`,
//!   `k = floor(LAMBDA) + floor(((2a) / us + b) U + c_f)` where
//!   `c_f = (LAMBDA - floor(LAMBDA)) + 0.43` (the paper's
//!   `floor((2a/us + b) U + LAMBDA + 0.43)`, split so that the floor is taken
//!   of a small number, exactly); reject if `k < 0` or `k > k_max`; accept if
//!   `us >= 0.07` and `V <= v_r` (the squeeze); reject if `us < 0.013` and
//!   `V > us`; accept iff `ln(V inv_alpha / (a / us^2 + b)) <= ln p(k)` with
//!   the log-pmf of [`poisson_ln_pmf`]. Acceptance per attempt (measured on
//!   10^6 attempts): 0.753 at LAMBDA = 10, 0.818 at 30, 0.852 at 100, 0.889
//!   from 10^6 to 10^12.
//!
//! `k_max` is the largest value the dtype family holds with the parameter
//! rule below: `2^31 - 1` ([`KMAX_32`]) for u32 and i32, `2^53 - 1`
//! ([`KMAX_64`]) for u64 and i64. Parameters: `LAMBDA` finite, `>= 0`, at
//! most [`POISSON_LAMBDA_MAX_32`] = 2^30 for u32/i32 and
//! [`POISSON_LAMBDA_MAX_64`] = 2^40 for u64/i64; anything else is refused by
//! [`super::Distribution::prepare`]. Within these limits a candidate above
//! `k_max` can never pass the acceptance test: its log-pmf is below
//! `-bd0(k_max + 1, LAMBDA_MAX) <= -(2 ln 2 - 1) 2^30 < -4e8` (the deviance
//! grows with `k` above LAMBDA and falls with LAMBDA below `k`), while the
//! test's left side is above -125 (`V >= 2^-53`, `us >= 2^-53`; the squeeze
//! accepts only `|k - LAMBDA| < b + 2`). So the rule never changes a value: the u32 and u64 elements are equal, and no value is ever
//! wrapped or capped. The inversion's values are at most 100.
//!
//! # binomial:N,P
//!
//! * `N = 0`, `P = 0`: every element is 0; `P = 1`: every element is `N`
//!   (exact, no word is used).
//! * Otherwise with `p = min(P, 1 - P)` (exact: `1 - P` is exact for
//!   `P > 1/2`) and `q = 1 - p`, the sampler draws `k` for `p` and returns
//!   `N - k` when `P > 1/2` (exact integer subtraction).
//! * `N p < 10` ([`BINOMIAL_INVERSION_BELOW`]): **inversion**, `u = u53(x0)`,
//!   `f = exp(N log1p(-p))`, `r = p / q`, `F = f`, `k = 0`; while `u >= F`:
//!   if `k = N` or `k = 100` the attempt is rejected, else `k += 1`,
//!   `f = ((f r) (N + 1 - k)) / k`, `F = F + f`.
//! * `N p >= 10`: **BTRS** (W. Hörmann, "The generation of binomial random
//!   variates", J. Statist. Comput. Simul. 46, 1993): `s = sqrt(N p q)`,
//!   `b = 1.15 + 2.53 s`, `a = -0.0873 + 0.0248 b + 0.01 p`,
//!   `c = N p + 0.5`, `alpha = (2.83 + 5.1 / b) s`, `v_r = 0.92 - 4.2 / b`,
//!   `m = floor((N + 1) p)` (the mode), `h = ln f(m)`. One attempt:
//!   `U = centred(x0)`, `V = open(x1)`, `us = 0.5 - |U|`,
//!   `k = floor(c) + floor(((2a) / us + b) U + (c - floor(c)))`; reject if
//!   `k < 0` or `k > N`; accept if `us >= 0.07` and `V <= v_r`; accept iff
//!   `ln(V alpha / (a / us^2 + b)) <= ln f(k) - h` ([`binomial_ln_pmf`]).
//!   Acceptance per attempt (measured on 10^6 attempts): 0.709 at N = 20,
//!   P = 1/2 (N p = 10, the lowest), 0.740 at (100, 0.1), 0.846 at
//!   (1000, 0.3), 0.885 at (2^52, 1/2).
//!
//! Parameters: `P` finite in `[0, 1]`; `N <= 2^32 - 1` for u32, `<= 2^31 - 1`
//! for i32, `<= 2^53 - 1` ([`BINOMIAL_N_MAX_64`]; every count and `N - k`
//! is then an exact f64) for u64 and i64. Every value is in `[0, N]`, so it
//! fits the dtype.
//!
//! # Bounded work and the fallback
//!
//! At most [`super::attempts::MAX_ATTEMPTS`] = 64 attempts; each costs at
//! most 100 search steps (inversion) or one log-pmf (PTRS, BTRS). An element
//! whose 64 attempts are all rejected takes its distribution's **mode**
//! (Poisson: `floor(LAMBDA)`; binomial: `m` above, or `N - m` when
//! `P > 1/2`). Rejection per attempt is below 0.30 for PTRS and BTRS (the
//! measured rates above) and below 1e-14 for the inversions, so the
//! fallback's probability per element is below `0.30^64 < 2^-111`.
//!
//! # The log-pmf (Loader's saddle-point form)
//!
//! Lgamma differences of large arguments cancel catastrophically (at N = 1e9
//! `ln N!` is 2e10 and its last bit is 4e-6), so the acceptance tests use
//! C. Loader's "Fast and accurate computation of binomial probabilities"
//! (2000): with `stirlerr(n) = ln n! - (n + 1/2) ln n + n - ln(2 pi)/2`
//! ([`stirlerr`]: a table of 32 mpmath values for n < 32, the Stirling series
//! to `n^-9` above, truncation below 1e-19) and the deviance
//! `bd0(x, M) = x ln(x / M) + M - x` ([`bd0`]: for `|x - M| < 0.1 (x + M)` the
//! series `(x - M) v + 2x sum_{j=1..8} v^(2j+1) / (2j + 1)`,
//! `v = (x - M) / (x + M)`, otherwise the closed form `x ln(x / M) - (x - M)`;
//! `x - M` is passed in exactly: `k - LAMBDA`, and for the binomial
//! `k - N p` with `N p` as an exact double-double ([`two_product`], Dekker's
//! product without FMA) and `(N - k) - N q = -(k - N p)`),
//!
//! * `ln p_Poisson(k) = -stirlerr(k) - bd0(k, LAMBDA) - ln(2 pi k) / 2` (k >= 1; `-LAMBDA` at 0),
//! * `ln f_Binomial(k) = stirlerr(N) - stirlerr(k) - stirlerr(N - k) - bd0(k, N p) - bd0(N - k, N q) - ln(2 pi k (N - k) / N) / 2`
//!   (0 < k < N; `N log1p(-p)` at 0, `N ln p` at N).
//!
//! Every term is small where the test is close, so the log-pmf is accurate
//! to a few units of 1e-15 absolute. Measured against mpmath (50 digits) on
//! the 598 points of `tests/data/discrete_reference.txt` (made by
//! `tests/data/gen_discrete_reference.py`: LAMBDA from 1e-6 to 2^40, N from 1
//! to 2^53 - 1, k out to 12 standard deviations and the ends of the
//! support), as `|error| / max(1, |value|)` (absolute where the value is
//! small, as the acceptance tests see it): [`ln_factorial`] 3.4e-16,
//! [`poisson_ln_pmf`] 2.3e-15, [`binomial_ln_pmf`] 1.1e-15;
//! `tests/discrete.rs` asserts 4e-16, 5e-15 and 5e-15.

#![allow(clippy::excessive_precision)] // mpmath values are quoted to more digits than f64 holds

use super::exact_math::{exp_f64, ln_f64, log1p_f64};

/// Poisson uses inversion below this LAMBDA, PTRS from it on.
pub const POISSON_INVERSION_BELOW: f64 = 10.0;
/// Binomial uses inversion while `N min(P, 1 - P)` is below this, BTRS from it on.
pub const BINOMIAL_INVERSION_BELOW: f64 = 10.0;
/// The inversions' largest value: an attempt whose search would pass it is rejected.
pub const INVERSION_MAX_K: u64 = 100;
/// The largest Poisson LAMBDA for u32 and i32 output (2^30).
pub const POISSON_LAMBDA_MAX_32: f64 = 1_073_741_824.0;
/// The largest Poisson LAMBDA for u64 and i64 output (2^40).
pub const POISSON_LAMBDA_MAX_64: f64 = 1_099_511_627_776.0;
/// The largest Poisson candidate accepted for u32 and i32 output (2^31 - 1).
pub const KMAX_32: u64 = (1 << 31) - 1;
/// The largest Poisson candidate accepted for u64 and i64 output (2^53 - 1).
pub const KMAX_64: u64 = (1 << 53) - 1;
/// The largest binomial N for u64 and i64 output (2^53 - 1: counts are exact f64).
pub const BINOMIAL_N_MAX_64: u64 = (1 << 53) - 1;

/// Veltkamp's splitter for f64, `2^27 + 1`.
pub(crate) const SPLITTER: f64 = 134_217_729.0;
/// `ln(2 pi) / 2`.
pub(crate) const HALF_LN_2PI: f64 = 0.9189385332046727417803297;
use super::uniform::TWO_POW_M53;
/// 2^52 as f64.
pub(crate) const TWO_POW_52: f64 = 4_503_599_627_370_496.0;

/// `stirlerr(n)` for n = 0..=31 (mpmath, 25 digits; n = 0 is a placeholder,
/// never used).
pub(crate) const STIRLERR_TABLE: [f64; 32] = [
    0.0,
    0.08106146679532725821967026,
    0.04134069595540929409382208,
    0.02767792568499833914878929,
    0.02079067210376509311152277,
    0.01664469118982119216319487,
    0.01387612882307074799874573,
    0.01189670994589177009505572,
    0.01041126526197209649747857,
    0.009255462182712732917728637,
    0.008330563433362871256469319,
    0.007573675487951840794972024,
    0.006942840107209529865664153,
    0.006408994188004207068439631,
    0.005951370112758847735624416,
    0.00555473355196280137103869,
    0.005207655919609640440717997,
    0.004901395948434737860716818,
    0.004629153749334028592427213,
    0.004385560249232324268287736,
    0.004166319691996922457462923,
    0.003967954218640859617287637,
    0.003787618068444434577866677,
    0.003622960224683094707381198,
    0.003472021382978766962945115,
    0.003333155636728092875807019,
    0.003204970228055038011184157,
    0.003086278682608777063256241,
    0.002976063983550408826021163,
    0.002873449362352466387552351,
    0.002777674929752693603594904,
    0.002688078828531142867802099,
];
/// Stirling series coefficients of stirlerr: 1/12, 1/360, 1/1260, 1/1680, 1/1188.
pub(crate) const STIRLING_S0: f64 = 0.083333333333333333333;
pub(crate) const STIRLING_S1: f64 = 0.0027777777777777777778;
pub(crate) const STIRLING_S2: f64 = 0.00079365079365079365079;
pub(crate) const STIRLING_S3: f64 = 0.00059523809523809523810;
pub(crate) const STIRLING_S4: f64 = 0.00084175084175084175084;

// PTRS (Hörmann 1993) constants.
pub(crate) const PTRS_B0: f64 = 0.931;
pub(crate) const PTRS_B1: f64 = 2.53;
pub(crate) const PTRS_A0: f64 = -0.059;
pub(crate) const PTRS_A1: f64 = 0.02483;
pub(crate) const PTRS_IA0: f64 = 1.1239;
pub(crate) const PTRS_IA1: f64 = 1.1328;
pub(crate) const PTRS_IA2: f64 = 3.4;
pub(crate) const PTRS_VR0: f64 = 0.9277;
pub(crate) const PTRS_VR1: f64 = 3.6224;
pub(crate) const PTRS_C: f64 = 0.43;
pub(crate) const PTRS_US_MIN: f64 = 0.013;
// BTRS (Hörmann 1993) constants.
pub(crate) const BTRS_B0: f64 = 1.15;
pub(crate) const BTRS_B1: f64 = 2.53;
pub(crate) const BTRS_A0: f64 = -0.0873;
pub(crate) const BTRS_A1: f64 = 0.0248;
pub(crate) const BTRS_A2: f64 = 0.01;
pub(crate) const BTRS_AL0: f64 = 2.83;
pub(crate) const BTRS_AL1: f64 = 5.1;
pub(crate) const BTRS_VR0: f64 = 0.92;
pub(crate) const BTRS_VR1: f64 = 4.2;
/// The squeeze of both: `us >= 0.07` and `V <= v_r` accepts at once.
pub(crate) const SQUEEZE_US: f64 = 0.07;

/// `(x >> 11) * 2^-53`: a uniform in `[0, 1)`.
#[inline]
pub fn u53(x: u64) -> f64 {
    (x >> 11) as f64 * TWO_POW_M53
}

/// `(2 (x >> 12) + 1) * 2^-53`: a uniform in `(0, 1)` (exact).
#[inline]
pub fn open_uniform(x: u64) -> f64 {
    ((x >> 12) * 2 + 1) as f64 * TWO_POW_M53
}

/// `open_uniform(x) - 0.5`, in `(-0.5, 0.5)` (exact).
#[inline]
pub fn centred_uniform(x: u64) -> f64 {
    (((x >> 12) * 2 + 1) as f64 - TWO_POW_52) * TWO_POW_M53
}

/// `stirlerr(n) = ln n! - (n + 1/2) ln n + n - ln(2 pi) / 2` for n >= 1
/// (an integer held exactly in the f64): the table below 32, the Stirling
/// series `(S0 - (S1 - (S2 - (S3 - S4/n^2)/n^2)/n^2)/n^2)/n` from 32 on.
#[inline]
pub fn stirlerr(n: f64) -> f64 {
    if n < 32.0 {
        STIRLERR_TABLE[n as usize]
    } else {
        let nn = n * n;
        (STIRLING_S0
            - (STIRLING_S1 - (STIRLING_S2 - (STIRLING_S3 - STIRLING_S4 / nn) / nn) / nn) / nn)
            / n
    }
}

/// Dekker's exact product without FMA: `(h, l)` with `h = fl(a b)` and
/// `h + l = a b` exactly (Veltkamp's split by `2^27 + 1`; |a|, |b| < 2^996).
#[inline]
pub fn two_product(a: f64, b: f64) -> (f64, f64) {
    let h = a * b;
    let ca = SPLITTER * a;
    let a_hi = ca - (ca - a);
    let a_lo = a - a_hi;
    let cb = SPLITTER * b;
    let b_hi = cb - (cb - b);
    let b_lo = b - b_hi;
    let l = (((a_hi * b_hi - h) + a_hi * b_lo) + a_lo * b_hi) + a_lo * b_lo;
    (h, l)
}

/// The deviance `bd0(x, m) = x ln(x / m) + m - x` for x > 0, m > 0, given
/// `d = x - m` (to the caller's accuracy: exactly, where it matters), without
/// the cancellation of the closed form near `x = m` (see the module docs).
#[inline]
pub fn bd0(x: f64, m: f64, d: f64) -> f64 {
    let s = x + m;
    if d.abs() < 0.1 * s {
        let v = d / s;
        let v2 = v * v;
        let mut ej = 2.0 * x * v;
        let mut sum = d * v;
        for j in 1..=8u32 {
            ej *= v2;
            sum += ej / f64::from(2 * j + 1);
        }
        sum
    } else {
        x * ln_f64(x / m) - d
    }
}

/// `ln n!` for n >= 0 (an integer in the f64, n < 2^53):
/// `(n + 1/2) ln n - n + ln(2 pi)/2 + stirlerr(n)`. Not used by the samplers
/// (which use the log-pmf forms), but documented and measured as the
/// building block: error below 4e-16 relative (measured: module docs).
pub fn ln_factorial(n: f64) -> f64 {
    if n < 2.0 {
        return 0.0;
    }
    (n + 0.5) * ln_f64(n) - n + HALF_LN_2PI + stirlerr(n)
}

/// `ln(e^-lambda lambda^k / k!)` for k >= 0, lambda > 0 (module docs).
#[inline]
pub fn poisson_ln_pmf(k: f64, lambda: f64) -> f64 {
    if k == 0.0 {
        return -lambda;
    }
    -(stirlerr(k) + bd0(k, lambda, k - lambda)) - HALF_LN_2PI - 0.5 * ln_f64(k)
}

/// `ln(C(n, k) p^k q^(n-k))` for 0 <= k <= n, 0 < p < 1, q = 1 - p as the
/// sampler computes it (module docs).
#[inline]
pub fn binomial_ln_pmf(k: f64, n: f64, p: f64, q: f64) -> f64 {
    if k == 0.0 {
        return n * log1p_f64(-p);
    }
    if k == n {
        return n * ln_f64(p);
    }
    let nk = n - k;
    // k - N p exactly (in the bulk, where it matters): N p as the exact
    // sum np_hi + np_lo, and k - np_hi exact (Sterbenz). N - k - N q is its
    // negative; N q itself (rounded) is only needed to relative accuracy.
    let (np_hi, np_lo) = two_product(n, p);
    let d = (k - np_hi) - np_lo;
    let lc = stirlerr(n) - stirlerr(k) - stirlerr(nk) - bd0(k, np_hi, d) - bd0(nk, n * q, -d);
    lc - HALF_LN_2PI - 0.5 * ln_f64(k * (nk / n))
}

/// A Poisson sampler's constants, computed from LAMBDA by [`Poisson::new`]
/// (the CPU once per fill, each GPU thread for itself: the same steps).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Poisson {
    lambda: f64,
    kmax: f64,
    /// Inversion: `exp(-lambda)`; PTRS: `b`.
    e_or_b: f64,
    a: f64,
    inv_alpha: f64,
    vr: f64,
    ci: f64,
    cf: f64,
}

impl Poisson {
    /// The sampler of LAMBDA (checked finite, `>= 0`) with candidates above
    /// `kmax` rejected ([`KMAX_32`] or [`KMAX_64`]).
    pub fn new(lambda: f64, kmax: u64) -> Poisson {
        let mut s = Poisson {
            lambda,
            kmax: kmax as f64,
            e_or_b: 0.0,
            a: 0.0,
            inv_alpha: 0.0,
            vr: 0.0,
            ci: 0.0,
            cf: 0.0,
        };
        if lambda < POISSON_INVERSION_BELOW {
            s.e_or_b = exp_f64(-lambda);
        } else {
            let slam = lambda.sqrt();
            let b = PTRS_B0 + PTRS_B1 * slam;
            s.e_or_b = b;
            s.a = PTRS_A0 + PTRS_A1 * b;
            s.inv_alpha = PTRS_IA0 + PTRS_IA1 / (b - PTRS_IA2);
            s.vr = PTRS_VR0 - PTRS_VR1 / (b - 2.0);
            s.ci = lambda.floor();
            s.cf = (lambda - s.ci) + PTRS_C;
        }
        s
    }

    /// True when the distribution is the point 0 (LAMBDA = 0).
    pub fn is_degenerate(&self) -> bool {
        self.lambda == 0.0
    }

    /// The fallback value: the mode `floor(LAMBDA)`.
    pub fn fallback(&self) -> u64 {
        self.lambda.floor() as u64
    }

    /// One attempt on the words `(x0, x1)`: the value, or `None` if rejected.
    #[inline]
    pub fn attempt(&self, x0: u64, x1: u64) -> Option<u64> {
        let lambda = self.lambda;
        if lambda < POISSON_INVERSION_BELOW {
            let u = u53(x0);
            let mut f = self.e_or_b;
            let mut big_f = f;
            let mut k = 0u64;
            while u >= big_f {
                if k == INVERSION_MAX_K {
                    return None;
                }
                k += 1;
                f = (f * lambda) / k as f64;
                big_f += f;
            }
            return Some(k);
        }
        let u = centred_uniform(x0);
        let v = open_uniform(x1);
        let us = 0.5 - u.abs();
        let b = self.e_or_b;
        let k = self.ci + (((2.0 * self.a) / us + b) * u + self.cf).floor();
        if k < 0.0 || k > self.kmax {
            return None;
        }
        if us >= SQUEEZE_US && v <= self.vr {
            return Some(k as u64);
        }
        if us < PTRS_US_MIN && v > us {
            return None;
        }
        let lhs = ln_f64((v * self.inv_alpha) / (self.a / (us * us) + b));
        if lhs <= poisson_ln_pmf(k, lambda) {
            Some(k as u64)
        } else {
            None
        }
    }
}

/// A binomial sampler's constants, computed from (N, P) by [`Binomial::new`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Binomial {
    n: f64,
    /// `min(P, 1 - P)`.
    p: f64,
    q: f64,
    /// Return `N - k` (P > 1/2).
    flip: bool,
    /// 0: the point `value`; 1: inversion; 2: BTRS.
    mode: u8,
    /// Degenerate value, or the mode `m` (unflipped).
    m: f64,
    /// Inversion: `f(0)`; BTRS: `b`.
    f0_or_b: f64,
    /// Inversion: `p / q`; BTRS: `a`.
    r_or_a: f64,
    alpha: f64,
    vr: f64,
    h: f64,
    ci: f64,
    cf: f64,
}

impl Binomial {
    /// The sampler of (N, P), P checked finite in `[0, 1]`, `N < 2^53`.
    pub fn new(n_int: u64, big_p: f64) -> Binomial {
        let n = n_int as f64;
        let flip = big_p > 0.5;
        let p = if flip { 1.0 - big_p } else { big_p };
        let q = 1.0 - p;
        let mut s = Binomial {
            n,
            p,
            q,
            flip,
            mode: 0,
            m: 0.0,
            f0_or_b: 0.0,
            r_or_a: 0.0,
            alpha: 0.0,
            vr: 0.0,
            h: 0.0,
            ci: 0.0,
            cf: 0.0,
        };
        if n_int == 0 || p == 0.0 {
            // The point 0 (or N for P = 1, by the flip).
            return s;
        }
        s.m = ((n + 1.0) * p).floor();
        let np = n * p;
        if np < BINOMIAL_INVERSION_BELOW {
            s.mode = 1;
            s.f0_or_b = exp_f64(n * log1p_f64(-p));
            s.r_or_a = p / q;
        } else {
            s.mode = 2;
            let spq = (np * q).sqrt();
            let b = BTRS_B0 + BTRS_B1 * spq;
            s.f0_or_b = b;
            s.r_or_a = BTRS_A0 + BTRS_A1 * b + BTRS_A2 * p;
            s.alpha = (BTRS_AL0 + BTRS_AL1 / b) * spq;
            s.vr = BTRS_VR0 - BTRS_VR1 / b;
            let c = np + 0.5;
            s.ci = c.floor();
            s.cf = c - s.ci;
            s.h = binomial_ln_pmf(s.m, n, p, q);
        }
        s
    }

    /// True when every element is the same number (N = 0, P = 0 or P = 1).
    pub fn is_degenerate(&self) -> bool {
        self.mode == 0
    }

    /// `k` for `min(P, 1 - P)` as the value for P.
    #[inline]
    fn out(&self, k: f64) -> u64 {
        if self.flip {
            (self.n - k) as u64
        } else {
            k as u64
        }
    }

    /// The degenerate value, or the fallback: the mode.
    pub fn fallback(&self) -> u64 {
        self.out(self.m)
    }

    /// One attempt on the words `(x0, x1)`: the value, or `None` if rejected.
    #[inline]
    pub fn attempt(&self, x0: u64, x1: u64) -> Option<u64> {
        let n = self.n;
        if self.mode == 0 {
            return Some(self.out(self.m));
        }
        if self.mode == 1 {
            let u = u53(x0);
            let r = self.r_or_a;
            let mut f = self.f0_or_b;
            let mut big_f = f;
            let mut k = 0.0;
            while u >= big_f {
                if k == n || k == INVERSION_MAX_K as f64 {
                    return None;
                }
                k += 1.0;
                f = ((f * r) * (n + 1.0 - k)) / k;
                big_f += f;
            }
            return Some(self.out(k));
        }
        let u = centred_uniform(x0);
        let v = open_uniform(x1);
        let us = 0.5 - u.abs();
        let (a, b) = (self.r_or_a, self.f0_or_b);
        let k = self.ci + (((2.0 * a) / us + b) * u + self.cf).floor();
        if k < 0.0 || k > n {
            return None;
        }
        if us >= SQUEEZE_US && v <= self.vr {
            return Some(self.out(k));
        }
        let lhs = ln_f64((v * self.alpha) / (a / (us * us) + b));
        if lhs <= binomial_ln_pmf(k, n, self.p, self.q) - self.h {
            Some(self.out(k))
        } else {
            None
        }
    }
}

/// Element value from its attempts: `words(a)` gives attempt a's `(x0, x1)`;
/// the first accepted attempt's value among attempts `start..MAX_ATTEMPTS`
/// ([`super::attempts::MAX_ATTEMPTS`]), or `fallback` when all are
/// rejected. With `start = 0` this is the definition both samplers share;
/// the fills try attempt 0 on their bulk words and call this with
/// `start = 1` when it is rejected.
pub fn sample(
    attempt: impl Fn(u64, u64) -> Option<u64>,
    fallback: u64,
    start: u32,
    mut words: impl FnMut(u32) -> (u64, u64),
) -> u64 {
    for a in start..super::attempts::MAX_ATTEMPTS {
        let (x0, x1) = words(a);
        if let Some(k) = attempt(x0, x1) {
            return k;
        }
    }
    fallback
}

/// The parameter rules of the module docs, for prepare: the Poisson
/// `k_max` of a dtype, or why LAMBDA is refused.
pub(crate) fn check_poisson(lambda: f64, wide: bool) -> Result<u64, String> {
    let (max, kmax, which) = if wide {
        (POISSON_LAMBDA_MAX_64, KMAX_64, "u64/i64 (2^40)")
    } else {
        (
            POISSON_LAMBDA_MAX_32,
            KMAX_32,
            "u32/i32 (2^30; use u64 or i64 for more)",
        )
    };
    if !lambda.is_finite() || lambda < 0.0 {
        return Err(format!("poisson needs a finite LAMBDA >= 0, got {lambda}"));
    }
    if lambda > max {
        return Err(format!(
            "poisson LAMBDA {lambda} is above the largest for {which}"
        ));
    }
    Ok(kmax)
}

/// The binomial parameter rules: N within the dtype's limit, P in `[0, 1]`.
pub(crate) fn check_binomial(n: u64, p: f64, n_max: u64, dtype: &str) -> Result<(), String> {
    if !p.is_finite() || !(0.0..=1.0).contains(&p) {
        return Err(format!("binomial needs P in [0, 1], got {p}"));
    }
    if n > n_max {
        return Err(format!(
            "binomial N {n} does not fit {dtype} (N must be <= {n_max})"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_are_open_and_exact() {
        assert_eq!(open_uniform(0), TWO_POW_M53);
        assert_eq!(open_uniform(u64::MAX), 1.0 - TWO_POW_M53);
        assert_eq!(centred_uniform(0), -0.5 + TWO_POW_M53);
        assert_eq!(centred_uniform(u64::MAX), 0.5 - TWO_POW_M53);
        for x in [0u64, 1 << 12, 1 << 63, u64::MAX, 0x1234_5678_9abc_def0] {
            assert_eq!(centred_uniform(x), open_uniform(x) - 0.5);
        }
        assert_eq!(u53(u64::MAX), 1.0 - TWO_POW_M53);
    }

    #[test]
    fn stirlerr_series_meets_the_table() {
        // At 31 the series (not used there) agrees with the table to 1e-17.
        let n: f64 = 31.0;
        let nn = n * n;
        let series = (STIRLING_S0
            - (STIRLING_S1 - (STIRLING_S2 - (STIRLING_S3 - STIRLING_S4 / nn) / nn) / nn) / nn)
            / n;
        assert!((series - STIRLERR_TABLE[31]).abs() < 1e-17);
    }

    #[test]
    fn degenerate_parameters() {
        assert!(Poisson::new(0.0, KMAX_32).is_degenerate());
        let b = Binomial::new(7, 1.0);
        assert!(b.is_degenerate());
        assert_eq!(b.fallback(), 7);
        assert_eq!(Binomial::new(7, 0.0).fallback(), 0);
        assert_eq!(Binomial::new(0, 0.3).fallback(), 0);
    }
}

//! Statistical tests of the truncated normal (contract v3,
//! `src/dist/truncnorm.rs`) against its exact law: for each interval below
//! and both f32 and f64, 10^7 samples (10^5 in a debug build):
//! Kolmogorov-Smirnov against the exact CDF of the values the dtype can hold
//! (the CDF at the midpoints between neighbouring floats, so the rounding to
//! the dtype is part of the law tested), Anderson-Darling against the exact
//! CDF (where the dtype resolves the law: see `AD_MAX_TIES`), both with
//! p-values printed and required above 1e-6; and the first four moments
//! within 6 standard errors (from 100 batches) of the exact ones, which come
//! from a quadrature of the density.
//!
//! The CDF is computed in f64 in a form that keeps its relative accuracy in
//! the far tails (ratios of upper-tail probabilities through erfcx, below),
//! and is checked against 60-digit mpmath values committed in
//! `tests/data/truncnorm_reference.txt` (made by
//! `tests/data/gen_truncnorm_reference.py`).
//! `cargo test --release --test statistics_truncnorm -- --nocapture` prints
//! the table.
#[path = "common/stats.rs"]
mod stats;
use stats::{ad_p, ks_p, sample_moments};

use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, Stream};
use std::f64::consts::{PI, SQRT_2};

const N: usize = if cfg!(debug_assertions) {
    100_000
} else {
    10_000_000
};

/// erfcx(y) = exp(y^2) erfc(y) for y >= 0: libm's erfc below 5, the
/// continued fraction `1 / (sqrt(pi) (y + (1/2) / (y + (2/2) / (y + ...))))`
/// above (erfc underflows from y = 27).
fn erfcx(y: f64) -> f64 {
    if y < 5.0 {
        // y^2 = hi + lo exactly, so exp(y^2) = exp(hi) (1 + lo) to an ulp or
        // two
        let hi = y * y;
        let lo = y.mul_add(y, -hi);
        libm::erfc(y) * hi.exp() * (1.0 + lo)
    } else {
        // terms for 1e-17 relative at y >= 5 (checked against mpmath below;
        // libm's erfc loses digits in the far tail).
        // The fraction t_k = y + (k/2) / t_(k+1), from t = y, is carried as
        // p / q (p' = y p + (k/2) q, q' = p): one division in all instead of
        // one a term (the divisions were most of this test's time); p and q
        // are scaled down before they can overflow.
        let terms = 20 + (1200.0 / (y * y)) as u32;
        let (mut p, mut q) = (y, 1.0);
        for k in (1..=terms).rev() {
            (p, q) = (y * p + (f64::from(k) / 2.0) * q, p);
            if p > 1e200 {
                (p, q) = (p * 1e-200, q * 1e-200);
            }
        }
        q / (PI.sqrt() * p)
    }
}

/// ln erfcx(x / sqrt 2), the part of ln Q(x) beyond the Gaussian factor
/// (Q the upper tail of the standard normal: `Q(x) = exp(-x^2/2) erfcx(x/sqrt2) / 2`).
fn ln_ex(x: f64) -> f64 {
    erfcx(x / SQRT_2).ln()
}

/// The standard normal truncated to [a, b], with its per-interval constants.
struct Law {
    a: f64,
    b: f64,
    /// b <= 0: evaluated on [-b, -a] at -x
    flip: bool,
    /// [lo, hi] = the (flipped) interval
    lo: f64,
    hi: f64,
    /// tail form (lo >= 0): ln erfcx at lo and hi, ln r(hi), 1 - r(hi)
    ex_lo: f64,
    ex_hi: f64,
    l_hi: f64,
    one_minus_r_hi: f64,
    /// centre form: P(a < Z < b)
    p: f64,
}

impl Law {
    fn new(a: f64, b: f64) -> Law {
        let flip = b <= 0.0;
        let (lo, hi) = if flip { (-b, -a) } else { (a, b) };
        let mut l = Law {
            a,
            b,
            flip,
            lo,
            hi,
            ex_lo: 0.0,
            ex_hi: 0.0,
            l_hi: f64::NEG_INFINITY,
            one_minus_r_hi: 1.0,
            p: 0.0,
        };
        if lo >= 0.0 {
            l.ex_lo = ln_ex(lo);
            if hi.is_finite() {
                l.ex_hi = ln_ex(hi);
                l.l_hi = -(hi - lo) * (hi + lo) / 2.0 + l.ex_hi - l.ex_lo;
                l.one_minus_r_hi = -l.l_hi.exp_m1();
            }
        } else {
            let cdf = |t: f64| 0.5 * libm::erfc(-t / SQRT_2);
            let sf = |t: f64| 0.5 * libm::erfc(t / SQRT_2);
            l.p = if -a > b {
                sf(a) - sf(b)
            } else {
                cdf(b) - cdf(a)
            };
        }
        l
    }

    /// (F(x), 1 - F(x)).
    fn at(&self, x: f64) -> (f64, f64) {
        if x <= self.a {
            return (0.0, 1.0);
        }
        if x >= self.b {
            return (1.0, 0.0);
        }
        let (f, s) = if self.flip {
            let (f, s) = self.unflipped(-x);
            (s, f)
        } else {
            self.unflipped(x)
        };
        (f, s)
    }

    fn unflipped(&self, x: f64) -> (f64, f64) {
        let (lo, hi) = (self.lo, self.hi);
        if lo >= 0.0 {
            // r(x) = Q(x)/Q(lo): F = (1 - r(x)) / (1 - r(hi)), 1 - F = (r(x) - r(hi)) / (1 - r(hi))
            let ex_x = ln_ex(x);
            let lx = -(x - lo) * (x + lo) / 2.0 + ex_x - self.ex_lo;
            let f = -lx.exp_m1() / self.one_minus_r_hi;
            let s = if hi.is_finite() {
                // r(x) - r(hi) = r(hi) (e^(ln r(x) - ln r(hi)) - 1), no cancellation
                let lxb = (hi - x) * (hi + x) / 2.0 + ex_x - self.ex_hi;
                self.l_hi.exp() * lxb.exp_m1() / self.one_minus_r_hi
            } else {
                lx.exp() / self.one_minus_r_hi
            };
            (f, s)
        } else {
            let cdf = |t: f64| 0.5 * libm::erfc(-t / SQRT_2);
            let sf = |t: f64| 0.5 * libm::erfc(t / SQRT_2);
            // Q(u) - Q(v) = Q(v) expm1(ln(Q(u)/Q(v))) for 0 <= u <= v: no
            // cancellation near the ends
            let diff = |u: f64, v: f64| {
                let l = -(u - v) * (u + v) / 2.0 + ln_ex(u) - ln_ex(v);
                sf(v) * l.exp_m1()
            };
            let f = if x <= 0.0 && lo.is_finite() {
                diff(-x, -lo)
            } else {
                cdf(x) - cdf(lo)
            };
            let s = if x >= 0.0 && hi.is_finite() {
                diff(x, hi)
            } else {
                sf(x) - sf(hi)
            };
            (f / self.p, s / self.p)
        }
    }
}

/// (F(x), 1 - F(x)) of the standard normal truncated to [a, b].
fn law_std(a: f64, b: f64, x: f64) -> (f64, f64) {
    Law::new(a, b).at(x)
}

fn params(d: &Distribution) -> (f64, f64, f64, f64) {
    match *d {
        Distribution::TruncatedNormal { a, b, mean, std } => (a, b, mean, std),
        _ => unreachable!(),
    }
}

/// The output law: the standard law at (x - mean) / std.
struct OutLaw {
    l: Law,
    mean: f64,
    std: f64,
}

impl OutLaw {
    fn new(d: &Distribution) -> OutLaw {
        let (a, b, mean, std) = params(d);
        OutLaw {
            l: Law::new(a, b),
            mean,
            std,
        }
    }
}

/// (CDF, survival function) of the output law at x.
fn law(d: &OutLaw, x: f64) -> (f64, f64) {
    d.l.at((x - d.mean) / d.std)
}

#[test]
fn the_cdf_matches_mpmath() {
    let text = include_str!("data/truncnorm_reference.txt");
    let num = |s: &str| -> f64 {
        match s {
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => s.parse().unwrap(),
        }
    };
    let mut n = 0;
    let mut worst: f64 = 0.0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<f64> = line.split_whitespace().map(num).collect();
        let (a, b, x, fe, se) = (f[0], f[1], f[2], f[3], f[4]);
        let (fg, sg) = law_std(a, b, x);
        // each side to 1e-12 absolute, and the smaller one to 1e-6 relative
        // (what Anderson-Darling needs of ln F at 10^7 samples) or 2e-15
        // absolute: near an end the difference of two erfcx logarithms
        // limits it to ~1e-15 absolute
        let small = if fe < se { (fg, fe) } else { (sg, se) };
        let rel = ((small.0 - small.1) / small.1).abs();
        worst = worst.max(rel);
        assert!(
            (fg - fe).abs() < 1e-12
                && (sg - se).abs() < 1e-12
                && (small.0 - small.1).abs() < 1e-6 * small.1 + 2e-15,
            "[{a}, {b}] at {x}: got ({fg:e}, {sg:e}), mpmath ({fe:e}, {se:e}), relative {rel:e}"
        );
        n += 1;
    }
    assert!(n >= 300, "{n} reference lines");
    println!("{n} mpmath values, worst relative error of the smaller tail {worst:.2e}");
}

/// Exact (mean, variance, skewness, excess kurtosis) by Simpson's rule on
/// the density, in the shifted variable y = z - c (c the point of [a, b]
/// nearest 0, where the density peaks), over 40 e-folds of it.
fn moments(d: &Distribution) -> [f64; 4] {
    let (a, b, mean, std) = params(d);
    let (lo, hi, neg) = if b <= 0.0 {
        (-b, -a, true)
    } else {
        (a, b, false)
    };
    let c = lo.max(0.0);
    let reach = 40.0 / c.max(1.0);
    let (y0, y1) = ((lo - c).max(-reach.max(40.0)), (hi - c).min(reach.max(9.0)));
    let m = 400_000;
    let h = (y1 - y0) / m as f64;
    let mut raw = [0.0f64; 5];
    for k in 0..=m {
        let y = y0 + h * k as f64;
        // exp(-(z^2 - c^2) / 2) with z = c + y
        let g = (-(y * (2.0 * c + y)) / 2.0).exp();
        let wgt = if k == 0 || k == m {
            1.0
        } else if k % 2 == 1 {
            4.0
        } else {
            2.0
        };
        for (j, r) in raw.iter_mut().enumerate() {
            *r += wgt * g * y.powi(j as i32);
        }
    }
    let mu = raw[1] / raw[0];
    let c2 = raw[2] / raw[0] - mu * mu;
    let c3 = raw[3] / raw[0] - 3.0 * mu * raw[2] / raw[0] + 2.0 * mu.powi(3);
    let c4 = raw[4] / raw[0] - 4.0 * mu * raw[3] / raw[0] + 6.0 * mu * mu * raw[2] / raw[0]
        - 3.0 * mu.powi(4);
    let sgn = if neg { -1.0 } else { 1.0 };
    let zmean = sgn * (c + mu);
    [
        mean + std * zmean,
        std * std * c2,
        sgn * c3 / c2.powf(1.5),
        c4 / (c2 * c2) - 3.0,
    ]
}

/// KS distance against the law of the values the dtype holds (each value
/// collects the probability between the midpoints to its neighbours).
fn ks_rounded(v: &[f64], up: fn(f64) -> f64, d: &OutLaw) -> f64 {
    let n = v.len() as f64;
    let mut dist: f64 = 0.0;
    let mut i = 0;
    // the last boundary evaluated: a value's lower boundary is often the
    // previous value's upper one (neighbouring floats)
    let mut last = (f64::NAN, 0.0);
    while i < v.len() {
        let x = v[i];
        let mut j = i;
        while j < v.len() && v[j] == x {
            j += 1;
        }
        let below = if i == 0 {
            0.0
        } else {
            let m = 0.5 * (v[i - 1] + x);
            if m == last.0 { last.1 } else { law(d, m).0 }
        };
        let m = 0.5 * (x + up(x));
        let upto = law(d, m).0;
        last = (m, upto);
        dist = dist
            .max((i as f64 / n - below).abs())
            .max((j as f64 / n - upto).abs());
        i = j;
    }
    dist
}

/// Anderson-Darling A^2 against the exact law (values as they are).
fn anderson_darling(v: &[f64], d: &OutLaw) -> f64 {
    let n = v.len();
    // the law once per sample (the sum needs F at i and 1 - F at n - 1 - i)
    let at: Vec<(f64, f64)> = v.iter().map(|&x| law(d, x)).collect();
    let mut s = 0.0;
    for i in 0..n {
        let f = at[i].0.max(1e-300);
        let sf = at[n - 1 - i].1.max(1e-300);
        s += (2 * i + 1) as f64 * (f.ln() + sf.ln());
    }
    -(n as f64) - s / n as f64
}

/// Anderson-Darling assumes a continuous law: it is run where the largest
/// run of equal sample values is at most this many (the dtype resolves the
/// law); KS, which handles the rounding exactly, runs everywhere.
const AD_MAX_TIES: usize = 50;

fn check(d: Distribution, dtype: DType, seed: u64) {
    let s = Stream::from_seed("philox4x32-10".parse::<Algorithm>().unwrap(), seed, 5).unwrap();
    let (a, b, mean, std) = params(&d);
    let (mut v, up): (Vec<f64>, fn(f64) -> f64) = if dtype == DType::F32 {
        let mut x = vec![0f32; N];
        s.fill(&d, 0, &mut x).unwrap();
        fn up32(x: f64) -> f64 {
            f64::from((x as f32).next_up())
        }
        (x.into_iter().map(f64::from).collect(), up32)
    } else {
        let mut x = vec![0f64; N];
        s.fill(&d, 0, &mut x).unwrap();
        (x, f64::next_up)
    };
    // every value inside the interval as the dtype rounds it
    let (lo, hi) = if dtype == DType::F32 {
        let (m, sd) = (mean as f32, std as f32);
        (
            f64::from(m + sd * (a as f32)),
            f64::from(m + sd * (b as f32)),
        )
    } else {
        (mean + std * a, mean + std * b)
    };
    assert!(
        v.iter().all(|&x| x.is_finite() && lo <= x && x <= hi),
        "{d} {dtype}: a value outside [{lo}, {hi}]"
    );
    let exact = moments(&d);
    const B: usize = 100;
    let batches: Vec<[f64; 4]> = v.chunks(N / B).map(sample_moments).collect();
    let all = sample_moments(&v);
    let checked = if N / B >= 100_000 { 4 } else { 2 };
    let mut line = String::new();
    for (k, name) in ["mean", "var", "skew", "kurt"]
        .iter()
        .enumerate()
        .take(checked)
    {
        let mean_b = batches.iter().map(|b| b[k]).sum::<f64>() / B as f64;
        let sd_b =
            (batches.iter().map(|b| (b[k] - mean_b).powi(2)).sum::<f64>() / (B - 1) as f64).sqrt();
        let se = sd_b / (B as f64).sqrt();
        let z = (all[k] - exact[k]) / se;
        line.push_str(&format!(" {name} {:.6e} ({z:+.1} se)", all[k]));
        assert!(
            z.abs() < 6.0,
            "{d} {dtype}: {name} {} vs exact {} is {z:.1} standard errors off",
            all[k],
            exact[k]
        );
    }
    v.sort_unstable_by(f64::total_cmp);
    let ol = OutLaw::new(&d);
    let dks = ks_rounded(&v, up, &ol);
    let pks = ks_p(dks, N);
    let mut max_run = 1;
    let mut run = 1;
    for w in v.windows(2) {
        run = if w[0] == w[1] { run + 1 } else { 1 };
        max_run = max_run.max(run);
    }
    let (a2, pad) = if max_run <= AD_MAX_TIES {
        let a2 = anderson_darling(&v, &ol);
        (a2, ad_p(a2))
    } else {
        (f64::NAN, f64::NAN)
    };
    let line = format!(
        "{:40} {dtype}: KS D {dks:.2e} p {pks:.3}, AD A2 {a2:.3} p {pad:.3} (ties <= {max_run}){line}",
        d.to_string()
    );
    println!("{line}");
    assert!(pks > 1e-6, "{line}");
    assert!(pad.is_nan() || pad > 1e-6, "{line}");
}

fn check_all(intervals: &[(f64, f64, f64, f64)], seed0: u64) {
    // CBRNG_STAT_SEED=k shifts every seed (to look at other samples by hand)
    let shift: u64 = std::env::var("CBRNG_STAT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut seed = seed0 + 1000 * shift;
    for &(a, b, mean, std) in intervals {
        for dtype in [DType::F32, DType::F64] {
            seed += 1;
            check(
                Distribution::TruncatedNormal { a, b, mean, std },
                dtype,
                seed,
            );
        }
    }
}

const INF: f64 = f64::INFINITY;

#[test]
fn central_intervals_pass_ks_ad_and_moments() {
    check_all(
        &[
            (-2.0, 2.0, 0.0, 1.0),
            (-0.1, 0.1, 0.0, 1.0),
            (-1.0, 0.5, 0.0, 1.0),
            (-2.0, 2.0, 0.5, 0.02),
        ],
        100,
    );
}

#[test]
fn one_sided_intervals_pass_ks_ad_and_moments() {
    check_all(&[(0.0, INF, 0.0, 1.0), (-INF, 0.0, 0.0, 1.0)], 200);
}

// The tails in two tests, so that the test threads share them (the seeds
// run on: 301..=306, then 307..=312).
#[test]
fn tails_pass_ks_ad_and_moments() {
    check_all(
        &[
            (8.0, 9.0, 0.0, 1.0),
            (-INF, -30.0, 0.0, 1.0),
            (3.0, 3.5, 0.0, 1.0),
        ],
        300,
    );
}

#[test]
fn far_tails_pass_ks_ad_and_moments() {
    check_all(
        &[
            (30.0, 31.0, 0.0, 1.0),
            (30.0, 30.01, 0.0, 1.0),
            (1e3, INF, 0.0, 1.0),
        ],
        306,
    );
}

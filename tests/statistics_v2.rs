//! Statistical tests of the contract v2 distributions against their exact
//! laws: for every (distribution, dtype, parameter set) of
//! `cbrng::check::distributions_v2()` (but the f32 uniform on [1e6, 1e6+1),
//! which has only 16 values), 10^7 samples (10^5 in a debug build):
//! Kolmogorov-Smirnov against the exact CDF of the values the dtype can hold
//! (the CDF at the midpoints between neighbouring floats, so the rounding to
//! f32, f16 or bf16 is part of the law tested), Anderson-Darling (f32 and
//! f64) against the exact CDF, both with p-values printed and required above
//! 1e-6; and the first four moments (mean, variance, skewness, excess
//! kurtosis) within 6 standard errors of their exact values where they exist
//! (not for Cauchy), the standard errors estimated from 100 batches. The CDFs
//! and moments are closed forms in f64 with an independent erfc (libm).
//! The streams are fixed, so a pass is reproducible.
//! `cargo test --release --test statistics_v2 -- --nocapture` prints the table.
#[path = "common/stats.rs"]
mod stats;
use stats::{ad_p, ks_p, sample_moments};

use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, Stream};
use half::{bf16, f16};
use std::f64::consts::PI;

const N: usize = if cfg!(debug_assertions) {
    100_000
} else {
    10_000_000
};

/// Phi(z) and 1 - Phi(z).
fn phi(z: f64) -> (f64, f64) {
    let c = std::f64::consts::SQRT_2;
    (0.5 * libm::erfc(-z / c), 0.5 * libm::erfc(z / c))
}

/// (CDF, survival function) of the exact law at x.
fn law(d: &Distribution, x: f64) -> (f64, f64) {
    match *d {
        Distribution::Normal { mean, std } => phi((x - mean) / std),
        Distribution::UniformRange { lo, hi } => {
            let f = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
            (f, 1.0 - f)
        }
        Distribution::Exponential { lambda } => {
            let t = (lambda * x).max(0.0);
            (-(-t).exp_m1(), (-t).exp())
        }
        Distribution::LogNormal { mu, sigma } => {
            if x <= 0.0 {
                (0.0, 1.0)
            } else {
                phi((x.ln() - mu) / sigma)
            }
        }
        Distribution::Gumbel { mu, beta } => {
            let e = (-(x - mu) / beta).exp();
            ((-e).exp(), -(-e).exp_m1())
        }
        Distribution::Cauchy { x0, gamma } => {
            let z = (x - x0) / gamma;
            let tail = |t: f64| 1.0f64.atan2(t) / PI; // P(C > t) for t >= 0, accurate
            if z >= 0.0 {
                (1.0 - tail(z), tail(z))
            } else {
                (tail(-z), 1.0 - tail(-z))
            }
        }
        Distribution::Logistic { mu, s } => {
            let z = (x - mu) / s;
            (1.0 / (1.0 + (-z).exp()), 1.0 / (1.0 + z.exp()))
        }
        Distribution::Laplace { mu, b } => {
            let z = (x - mu) / b;
            if z < 0.0 {
                let f = 0.5 * z.exp();
                (f, 1.0 - f)
            } else {
                let s = 0.5 * (-z).exp();
                (1.0 - s, s)
            }
        }
        _ => unreachable!("not a v2 law"),
    }
}

/// Exact (mean, variance, skewness, excess kurtosis), or None (Cauchy).
fn moments(d: &Distribution) -> Option<[f64; 4]> {
    Some(match *d {
        Distribution::Normal { mean, std } => [mean, std * std, 0.0, 0.0],
        Distribution::UniformRange { lo, hi } => {
            [(lo + hi) / 2.0, (hi - lo).powi(2) / 12.0, 0.0, -1.2]
        }
        Distribution::Exponential { lambda } => [1.0 / lambda, 1.0 / (lambda * lambda), 2.0, 6.0],
        Distribution::LogNormal { mu, sigma } => {
            let w = (sigma * sigma).exp();
            [
                (mu + sigma * sigma / 2.0).exp(),
                (w - 1.0) * (2.0 * mu + sigma * sigma).exp(),
                (w + 2.0) * (w - 1.0).sqrt(),
                w.powi(4) + 2.0 * w.powi(3) + 3.0 * w.powi(2) - 6.0,
            ]
        }
        Distribution::Gumbel { mu, beta } => [
            mu + beta * 0.577_215_664_901_532_9,
            PI * PI * beta * beta / 6.0,
            1.139_547_099_404_648_7, // 12 sqrt(6) zeta(3) / pi^3
            2.4,
        ],
        Distribution::Logistic { mu, s } => [mu, s * s * PI * PI / 3.0, 0.0, 1.2],
        Distribution::Laplace { mu, b } => [mu, 2.0 * b * b, 0.0, 3.0],
        _ => return None,
    })
}

/// Exact moments of a normal rounded to the 16-bit type whose next value
/// above x is `up(x)`: each value carries the mass between the midpoints to
/// its neighbours.
fn rounded_moments(d: &Distribution, up: fn(f64) -> f64) -> Option<[f64; 4]> {
    let Distribution::Normal { mean, std } = *d else {
        unreachable!("only normals come in f16 and bf16")
    };
    let (lo, hi) = (mean - 9.0 * std, mean + 9.0 * std);
    let mut vals = Vec::new();
    let mut x = lo;
    // start at a value of the type at or below lo
    x = -up(-x);
    while x <= hi {
        vals.push(x);
        x = up(x);
    }
    let mut raw = [0.0f64; 5]; // sum of p * v^k, k = 0..=4
    let shift = mean; // moments about the mean, for accuracy
    for (i, &v) in vals.iter().enumerate() {
        let a = if i == 0 {
            f64::NEG_INFINITY
        } else {
            0.5 * (vals[i - 1] + v)
        };
        let b = if i + 1 == vals.len() {
            f64::INFINITY
        } else {
            0.5 * (v + vals[i + 1])
        };
        let p = law(d, b).0 - law(d, a).0;
        let y = v - shift;
        for (k, r) in raw.iter_mut().enumerate() {
            *r += p * y.powi(k as i32);
        }
    }
    let m = raw[1] / raw[0];
    let c2 = raw[2] / raw[0] - m * m;
    let c3 = raw[3] / raw[0] - 3.0 * m * raw[2] / raw[0] + 2.0 * m.powi(3);
    let c4 = raw[4] / raw[0] - 4.0 * m * raw[3] / raw[0] + 6.0 * m * m * raw[2] / raw[0]
        - 3.0 * m.powi(4);
    Some([shift + m, c2, c3 / c2.powf(1.5), c4 / (c2 * c2) - 3.0])
}

/// The sample as f64 (stream order), and the next float of the dtype above a value.
fn sample(d: &Distribution, dtype: DType, seed: u64) -> (Vec<f64>, fn(f64) -> f64) {
    let s = Stream::from_seed("philox4x32-10".parse::<Algorithm>().unwrap(), seed, 9).unwrap();
    fn up32(x: f64) -> f64 {
        f64::from((x as f32).next_up())
    }
    fn up16(x: f64) -> f64 {
        let h = f16::from_f64(x);
        let b = h.to_bits();
        let n = if b & 0x7fff == 0 {
            1 // either zero: the smallest positive value
        } else if b & 0x8000 == 0 {
            b + 1
        } else {
            b - 1
        };
        f16::from_bits(n).to_f64()
    }
    fn upb16(x: f64) -> f64 {
        let h = bf16::from_f64(x);
        let b = h.to_bits();
        let n = if b & 0x7fff == 0 {
            1 // either zero: the smallest positive value
        } else if b & 0x8000 == 0 {
            b + 1
        } else {
            b - 1
        };
        bf16::from_bits(n).to_f64()
    }
    let (v, up): (Vec<f64>, fn(f64) -> f64) = match dtype {
        DType::F32 => {
            let mut x = vec![0f32; N];
            s.fill(d, 0, &mut x).unwrap();
            (x.into_iter().map(f64::from).collect(), up32)
        }
        DType::F64 => {
            let mut x = vec![0f64; N];
            s.fill(d, 0, &mut x).unwrap();
            (x, f64::next_up)
        }
        DType::F16 => {
            let mut x = vec![f16::ZERO; N];
            s.fill(d, 0, &mut x).unwrap();
            (x.into_iter().map(f64::from).collect(), up16)
        }
        _ => {
            let mut x = vec![bf16::ZERO; N];
            s.fill(d, 0, &mut x).unwrap();
            (x.into_iter().map(f64::from).collect(), upb16)
        }
    };
    assert!(
        v.iter().all(|x| x.is_finite()),
        "{d} {dtype}: a non-finite value"
    );
    (v, up)
}

/// KS distance against the law of the values the dtype holds: value x
/// collects the probability between the midpoints to its neighbours.
fn ks_rounded(v: &[f64], up: fn(f64) -> f64, d: &Distribution) -> f64 {
    let n = v.len() as f64;
    let mut dist: f64 = 0.0;
    let mut i = 0;
    while i < v.len() {
        let x = v[i];
        let mut j = i;
        while j < v.len() && v[j] == x {
            j += 1;
        }
        // below x: [.., (prev + x)/2); up to x: [.., (x + next)/2)
        let lo = if i == 0 {
            f64::NEG_INFINITY
        } else {
            0.5 * (v[i - 1] + x)
        };
        let below = if i == 0 {
            law(d, x).0.min(law(d, lo).0)
        } else {
            law(d, lo).0
        };
        let hi = 0.5 * (x + up(x));
        let upto = law(d, hi).0;
        // the empirical CDF is i/n just below x and j/n at x; the law's
        // mass between sample values lies in gaps without samples, so check
        // both sides of each jump
        dist = dist
            .max((i as f64 / n - below).abs())
            .max((j as f64 / n - upto).abs());
        i = j;
    }
    dist
}

/// Anderson-Darling A^2 against the exact law (values as they are).
fn anderson_darling(v: &[f64], d: &Distribution) -> f64 {
    let n = v.len();
    let mut s = 0.0;
    for i in 0..n {
        let f = law(d, v[i]).0.max(1e-300);
        let sf = law(d, v[n - 1 - i]).1.max(1e-300);
        s += (2 * i + 1) as f64 * (f.ln() + sf.ln());
    }
    -(n as f64) - s / n as f64
}

fn check(d: Distribution, dtype: DType, seed: u64) {
    let (mut v, up) = sample(&d, dtype, seed);
    // Moments first, on the stream order: 100 batches of consecutive
    // elements give the standard errors.
    let mut line = String::new();
    let exact = match dtype {
        // the law of the rounded values: moments summed over the values the
        // 16-bit type holds within 9 standard deviations
        DType::F16 | DType::BF16 => rounded_moments(&d, up),
        _ => moments(&d),
    };
    if let Some(exact) = exact {
        const B: usize = 100;
        let batches: Vec<[f64; 4]> = v.chunks(N / B).map(sample_moments).collect();
        let all = sample_moments(&v);
        // Skewness and kurtosis of a batch of 1,000 (the debug build's
        // 10^5 samples) are biased for heavy tails (log-normal's sample
        // skewness sits far below the exact one until batches are large),
        // so the batch standard errors only judge them at release size.
        let checked = if N / B >= 100_000 { 4 } else { 2 };
        for (k, name) in ["mean", "var", "skew", "kurt"]
            .iter()
            .enumerate()
            .take(checked)
        {
            let mean_b = batches.iter().map(|b| b[k]).sum::<f64>() / B as f64;
            let sd_b = (batches.iter().map(|b| (b[k] - mean_b).powi(2)).sum::<f64>()
                / (B - 1) as f64)
                .sqrt();
            let se = sd_b / (B as f64).sqrt();
            let z = (all[k] - exact[k]) / se;
            line.push_str(&format!(
                " {name} {:.4} ({:.4}, {z:+.1} se)",
                all[k], exact[k]
            ));
            assert!(
                z.abs() < 6.0,
                "{d} {dtype}: {name} {} vs exact {} is {z:.1} standard errors off",
                all[k],
                exact[k]
            );
        }
    }
    v.sort_unstable_by(f64::total_cmp);
    let dks = ks_rounded(&v, up, &d);
    let pks = ks_p(dks, N);
    let (a2, pad) = if matches!(dtype, DType::F32 | DType::F64) {
        let a = anderson_darling(&v, &d);
        (a, ad_p(a))
    } else {
        (f64::NAN, f64::NAN)
    };
    let line = format!(
        "{:24} {dtype:4} n {N}: KS D {dks:.2e} p {pks:.3}, AD A2 {a2:.3} p {pad:.3}{line}",
        d.to_string()
    );
    println!("{line}");
    assert!(pks > 1e-6, "{line}");
    assert!(pad.is_nan() || pad > 1e-6, "{line}");
}

/// Every pair of `distributions_v2()` whose name starts with `name`.
fn check_all(name: &str) {
    // a seed per distribution: the maps are monotone in the same uniform, so
    // one seed for all would give every law the same KS distance
    let mut seed = name
        .bytes()
        .fold(100u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    for (d, dtype) in cbrng::check::distributions_v2() {
        if !d.to_string().starts_with(name) {
            continue;
        }
        if let Distribution::UniformRange { lo, .. } = d
            && lo == 1e6
            && dtype == DType::F32
        {
            continue; // 16 values in f32: a contract edge case, not a law to test
        }
        seed += 1;
        check(d, dtype, seed);
    }
}

#[test]
fn exponential_passes_ks_ad_and_moments() {
    check_all("exponential");
}

#[test]
fn log_normal_passes_ks_ad_and_moments() {
    check_all("log-normal");
}

#[test]
fn gumbel_passes_ks_ad_and_moments() {
    check_all("gumbel");
}

#[test]
fn cauchy_passes_ks_and_ad() {
    check_all("cauchy");
}

#[test]
fn logistic_passes_ks_ad_and_moments() {
    check_all("logistic");
}

#[test]
fn laplace_passes_ks_ad_and_moments() {
    check_all("laplace");
}

#[test]
fn uniform_range_passes_ks_ad_and_moments() {
    check_all("uniform:");
}

#[test]
fn normal_f16_and_bf16_pass_ks_and_moments() {
    check_all("normal");
}

/// The tests above must fail on a wrong law: the exponential's sample
/// against the exact law of another rate, and the Cauchy's against a
/// logistic.
#[test]
fn the_tests_see_a_wrong_law() {
    let (mut v, up) = sample(&Distribution::Exponential { lambda: 1.0 }, DType::F32, 1);
    v.sort_unstable_by(f64::total_cmp);
    let wrong = Distribution::Exponential { lambda: 1.01 };
    assert!(ks_p(ks_rounded(&v, up, &wrong), N) < 1e-6 || cfg!(debug_assertions));
    assert!(ad_p(anderson_darling(&v, &wrong)) < 1e-6 || cfg!(debug_assertions));
    let (mut v, up) = sample(
        &Distribution::Cauchy {
            x0: 0.0,
            gamma: 1.0,
        },
        DType::F64,
        2,
    );
    v.sort_unstable_by(f64::total_cmp);
    let wrong = Distribution::Logistic { mu: 0.0, s: 1.0 };
    assert!(ks_p(ks_rounded(&v, up, &wrong), N) < 1e-6);
}

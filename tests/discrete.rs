//! The discrete samplers of contract v3 (`poisson:LAMBDA`, `binomial:N,P`,
//! src/dist/discrete.rs) against their exact laws.
//!
//! * The log-pmf of the acceptance tests and `ln_factorial` against mpmath
//!   (tests/data/discrete_reference.txt, made by
//!   tests/data/gen_discrete_reference.py): measured errors printed and bounded.
//! * Chi-square against the exact pmf on 10^7 samples per (distribution,
//!   dtype, parameter set) (10^5 in a debug build), p-values printed and
//!   required above 1e-6, and the first four moments within 6 standard
//!   errors of their exact values. The pmf here is independent of the
//!   sampler's: ratios of neighbouring probabilities (`lambda / (k + 1)`,
//!   `(N - k) p / ((k + 1) q)`) multiplied outward from the mode in f64 and
//!   normalised, the walk ending where the weight falls below 1e-18 of the
//!   mode's (so the far tails, beyond 9 standard deviations, lie in the end
//!   bins). Bins are runs of values with expected counts of at least 5 (about
//!   1000 bins where the support is wide). Standard errors: the mean's and
//!   variance's from the exact moments (`sqrt(var / n)`,
//!   `var sqrt((2 + kurt) / n)`), skewness's and kurtosis's from 100 batches
//!   (where the law is not nearly a point: variance >= 0.5).
//! * Degenerate parameters give their constant exactly; the u32, i32, u64
//!   and i64 elements of one stream are the same numbers; parameter errors.
//!
//! `cargo test --release --test discrete -- --nocapture` prints the table.
use cbrng::dist::discrete::{binomial_ln_pmf, ln_factorial, poisson_ln_pmf};
use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, Error, Stream};

const N: usize = if cfg!(debug_assertions) {
    100_000
} else {
    10_000_000
};

// ---------------------------------------------------------------------------
// The log-pmf against mpmath.

#[test]
fn log_pmf_matches_mpmath() {
    let text = include_str!("data/discrete_reference.txt");
    let (mut lf, mut po, mut bi) = (0.0f64, 0.0f64, 0.0f64);
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| f[i].parse::<f64>().unwrap();
        let (got, want, slot) = match f[0] {
            "lnfact" => (ln_factorial(num(1)), num(2), &mut lf),
            "poisson" => (poisson_ln_pmf(num(1), num(2)), num(3), &mut po),
            "binomial" => {
                let (k, n, p) = (num(1), num(2), num(3));
                (binomial_ln_pmf(k, n, p, 1.0 - p), num(4), &mut bi)
            }
            other => panic!("unknown line kind {other}"),
        };
        // Error relative to max(1, |value|): absolute where the value is
        // small (what an acceptance test sees), relative where it is large.
        let err = (got - want).abs() / want.abs().max(1.0);
        assert!(err.is_finite(), "{line}: got {got}");
        *slot = slot.max(err);
        lines += 1;
    }
    eprintln!(
        "log-pmf vs mpmath ({lines} points): ln_factorial {lf:.2e}, poisson_ln_pmf {po:.2e}, binomial_ln_pmf {bi:.2e} (error / max(1, |value|))"
    );
    assert!(lines > 500);
    assert!(lf < 4e-16, "ln_factorial error {lf:e}");
    assert!(po < 5e-15, "poisson_ln_pmf error {po:e}");
    assert!(bi < 5e-15, "binomial_ln_pmf error {bi:e}");
}

// ---------------------------------------------------------------------------
// The exact laws, independently.

#[derive(Clone, Copy, Debug)]
enum Law {
    Poisson(f64),
    Binomial(u64, f64),
}

impl Law {
    fn of(d: &Distribution) -> Law {
        match *d {
            Distribution::Poisson { lambda } => Law::Poisson(lambda),
            Distribution::Binomial { n, p } => Law::Binomial(n, p),
            _ => unreachable!(),
        }
    }
    fn mode(self) -> u64 {
        match self {
            Law::Poisson(l) => l.floor() as u64,
            Law::Binomial(n, p) => (((n as f64 + 1.0) * p).floor() as u64).min(n),
        }
    }
    fn max(self) -> u64 {
        match self {
            Law::Poisson(_) => u64::MAX,
            Law::Binomial(n, _) => n,
        }
    }
    /// w(k + 1) / w(k).
    fn up(self, k: u64) -> f64 {
        match self {
            Law::Poisson(l) => l / (k as f64 + 1.0),
            Law::Binomial(n, p) => (n - k) as f64 / (k as f64 + 1.0) * (p / (1.0 - p)),
        }
    }
    /// w(k - 1) / w(k).
    fn down(self, k: u64) -> f64 {
        match self {
            Law::Poisson(l) => k as f64 / l,
            Law::Binomial(n, p) => k as f64 / (n - k + 1) as f64 * ((1.0 - p) / p),
        }
    }
    /// Exact mean, variance, skewness, excess kurtosis.
    fn moments(self) -> [f64; 4] {
        match self {
            Law::Poisson(l) => [l, l, 1.0 / l.sqrt(), 1.0 / l],
            Law::Binomial(n, p) => {
                let n = n as f64;
                let q = 1.0 - p;
                let v = n * p * q;
                [n * p, v, (q - p) / v.sqrt(), (1.0 - 6.0 * p * q) / v]
            }
        }
    }
    /// Weights from the mode outward: calls `visit(k, w)` for k = mode,
    /// mode - 1, ... (down to where w < 1e-18) and then mode + 1, ....
    fn walk(self, mut visit: impl FnMut(u64, f64)) {
        let m = self.mode();
        visit(m, 1.0);
        let (mut k, mut w) = (m, 1.0);
        while k > 0 {
            w *= self.down(k);
            k -= 1;
            if w < 1e-18 {
                break;
            }
            visit(k, w);
        }
        let (mut k, mut w) = (m, 1.0);
        while k < self.max() {
            w *= self.up(k);
            k += 1;
            if w < 1e-18 {
                break;
            }
            visit(k, w);
        }
    }
    /// Bins `(lo, probability)`, sorted, bin i covering `[lo_i, lo_{i+1})`
    /// (the first from 0, the last to infinity), each with n p >= 5.
    fn bins(self, n: usize) -> Vec<(u64, f64)> {
        let mut total = 0.0;
        self.walk(|_, w| total += w);
        let target = (total * 1e-3).max(total * 5.0 / n as f64);
        let m = self.mode();
        // (lo, hi, weight), built outward from the mode in both directions.
        let mut down: Vec<(u64, u64, f64)> = Vec::new();
        let mut up: Vec<(u64, u64, f64)> = Vec::new();
        let mut cur: Option<(u64, u64, f64)> = None;
        let mut going_up = false;
        self.walk(|k, w| {
            if k > m && !going_up {
                if let Some(c) = cur.take() {
                    down.push(c);
                }
                going_up = true;
            }
            let c = cur.get_or_insert((k, k, 0.0));
            c.0 = c.0.min(k);
            c.1 = c.1.max(k);
            c.2 += w;
            if c.2 >= target {
                let c = cur.take().unwrap();
                if going_up { up.push(c) } else { down.push(c) }
            }
        });
        let small = |w: f64| w * (n as f64) / total < 5.0;
        for (rest, side) in [
            (cur.filter(|_| going_up), &mut up),
            (cur.filter(|_| !going_up), &mut down),
        ] {
            if let Some(r) = rest {
                match side.last_mut() {
                    Some(last) if small(r.2) => {
                        last.0 = last.0.min(r.0);
                        last.1 = last.1.max(r.1);
                        last.2 += r.2;
                    }
                    _ => side.push(r),
                }
            }
        }
        let mut all: Vec<(u64, u64, f64)> = down.into_iter().chain(up).collect();
        all.sort_by_key(|b| b.0);
        // A small first upward bin joins the mode's bin.
        let mut merged: Vec<(u64, u64, f64)> = Vec::new();
        for b in all {
            match merged.last_mut() {
                Some(last) if small(b.2) || small(last.2) => {
                    last.1 = b.1;
                    last.2 += b.2;
                }
                _ => merged.push(b),
            }
        }
        let mut out: Vec<(u64, f64)> = merged.iter().map(|b| (b.0, b.2 / total)).collect();
        out[0].0 = 0;
        out
    }
}

// ---------------------------------------------------------------------------
// Chi-square p-value: the regularised upper incomplete gamma Q(a, x).

fn gamma_q(a: f64, x: f64) -> f64 {
    let lg = libm::lgamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..100_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term < sum * 1e-16 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - lg).exp()
    } else {
        // Lentz's continued fraction.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..100_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x + a * x.ln() - lg).exp() * h
    }
}

fn sample(d: &Distribution, dtype: DType, seed: u64) -> Vec<u64> {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, seed, 3).unwrap();
    match dtype {
        DType::U32 => {
            let mut v = vec![0u32; N];
            s.fill(d, 0, &mut v).unwrap();
            v.into_iter().map(u64::from).collect()
        }
        DType::I32 => {
            let mut v = vec![0i32; N];
            s.fill(d, 0, &mut v).unwrap();
            v.into_iter().map(|x| u64::try_from(x).unwrap()).collect()
        }
        DType::U64 => {
            let mut v = vec![0u64; N];
            s.fill(d, 0, &mut v).unwrap();
            v
        }
        _ => {
            let mut v = vec![0i64; N];
            s.fill(d, 0, &mut v).unwrap();
            v.into_iter().map(|x| u64::try_from(x).unwrap()).collect()
        }
    }
}

/// Chi-square p-value and the moments' z-scores, printed; asserted.
fn check(d: Distribution, dtype: DType, seed: u64) {
    let t = std::time::Instant::now();
    let v = sample(&d, dtype, seed);
    let fill_s = t.elapsed().as_secs_f64();
    let law = Law::of(&d);
    let bins = law.bins(N);
    let mut counts = vec![0u64; bins.len()];
    for &k in &v {
        let i = bins.partition_point(|b| b.0 <= k) - 1;
        counts[i] += 1;
    }
    let n = N as f64;
    let chi2: f64 = counts
        .iter()
        .zip(&bins)
        .map(|(&o, b)| {
            let e = n * b.1;
            (o as f64 - e).powi(2) / e
        })
        .sum();
    let df = bins.len() as f64 - 1.0;
    let p = if df > 0.0 {
        gamma_q(df / 2.0, chi2 / 2.0)
    } else {
        1.0
    };
    // Moments: central sums about the exact mean, in batches.
    let exact = law.moments();
    let batch_moments = |xs: &[u64]| -> [f64; 4] {
        let m = xs.len() as f64;
        let mean = xs.iter().map(|&k| k as f64 - exact[0]).sum::<f64>() / m;
        let (mut s2, mut s3, mut s4) = (0.0, 0.0, 0.0);
        for &k in xs {
            let dd = k as f64 - exact[0] - mean;
            let d2 = dd * dd;
            s2 += d2;
            s3 += d2 * dd;
            s4 += d2 * d2;
        }
        let var = s2 / m;
        [
            mean + exact[0],
            var,
            s3 / m / var.powf(1.5),
            s4 / m / (var * var) - 3.0,
        ]
    };
    let whole = batch_moments(&v);
    let batches: Vec<[f64; 4]> = v.chunks(N / 100).map(batch_moments).collect();
    let batch_se = |j: usize| {
        let mean = batches.iter().map(|b| b[j]).sum::<f64>() / 100.0;
        (batches.iter().map(|b| (b[j] - mean).powi(2)).sum::<f64>() / 99.0).sqrt() / 10.0
    };
    // The variance's: from the exact kurtosis, or from the batches where
    // that is 0 (the Bernoulli(1/2) law of N = 1, P = 1/2).
    let se = [
        (exact[1] / n).sqrt(),
        (exact[1] * ((2.0 + exact[3]) / n).sqrt()).max(batch_se(1)),
        batch_se(2),
        batch_se(3),
    ];
    let judged = if exact[1] >= 0.5 { 4 } else { 2 };
    let z: Vec<f64> = (0..4).map(|j| (whole[j] - exact[j]) / se[j]).collect();
    eprintln!(
        "{d:<28} {dtype:>3}: {} bins chi2 {chi2:>9.1} p {p:.4}  mean {:.6e} ({:+.2} se) var {:.6e} ({:+.2}) skew {:.4e} ({:+.2}) kurt {:.4e} ({:+.2})  [fill {fill_s:.2} s]",
        bins.len(),
        whole[0],
        z[0],
        whole[1],
        z[1],
        whole[2],
        z[2],
        whole[3],
        z[3]
    );
    assert!(p > 1e-6, "{d} {dtype}: chi-square p-value {p:e}");
    for (j, zj) in z.iter().enumerate().take(judged) {
        assert!(
            zj.abs() < 6.0,
            "{d} {dtype}: moment {j} is {zj} standard errors off"
        );
    }
}

/// In a debug build, sets whose pmf walk is long are left to release.
fn big(d: &Distribution) -> bool {
    cfg!(debug_assertions) && Law::of(d).moments()[1] > 1e8
}

#[test]
fn poisson_passes_chi_square_and_moments() {
    use DType::*;
    for (j, (lambda, dtype)) in [
        (1e-6, U32),
        (0.5, I32),
        (1.0, U32),
        (3.5, I64),
        (9.99, U64),
        (10.0, U32),
        (30.0, U64),
        (1e6, I64),
        (1e9, U64),
        (1_073_741_824.0, I32),
        (1e12, U64),
    ]
    .into_iter()
    .enumerate()
    {
        let d = Distribution::Poisson { lambda };
        if !big(&d) {
            check(d, dtype, 100 + j as u64);
        }
    }
}

#[test]
fn binomial_passes_chi_square_and_moments() {
    use DType::*;
    for (j, (n, p, dtype)) in [
        (1, 0.5, U32),
        (1, 0.3, I64),
        (20, 0.3, I32),
        (100, 0.099, U32),
        (101, 0.1, U64),
        (1000, 0.3, U64),
        (1000, 0.7, I64),
        (1_000_000_000, 0.3, U32),
        (1_000_000_000, 1e-9, U32),
        (1_000_000_000, 1.0 - 1e-9, I64),
        (u64::from(u32::MAX), 0.5, U32),
        ((1 << 53) - 1, 0.25, U64),
    ]
    .into_iter()
    .enumerate()
    {
        let d = Distribution::Binomial { n, p };
        if !big(&d) {
            check(d, dtype, 200 + j as u64);
        }
    }
}

#[test]
fn the_chi_square_sees_a_wrong_law() {
    // Poisson(30.3) samples judged as Poisson(30): the test must fail.
    let v = sample(&Distribution::Poisson { lambda: 30.3 }, DType::U32, 1);
    let bins = Law::Poisson(30.0).bins(N);
    let mut counts = vec![0u64; bins.len()];
    for &k in &v {
        counts[bins.partition_point(|b| b.0 <= k) - 1] += 1;
    }
    let chi2: f64 = counts
        .iter()
        .zip(&bins)
        .map(|(&o, b)| (o as f64 - N as f64 * b.1).powi(2) / (N as f64 * b.1))
        .sum();
    let p = gamma_q((bins.len() - 1) as f64 / 2.0, chi2 / 2.0);
    assert!(p < 1e-6, "a shifted law passed: p {p}");
    // And the p-value function itself: Q(1, x) = e^-x; chi-square(2) at 5.991 is 0.05.
    assert!((gamma_q(1.0, 3.0) - (-3.0f64).exp()).abs() < 1e-14);
    assert!((gamma_q(1.0, 5.991_464_547 / 2.0) - 0.05).abs() < 1e-9);
    // scipy.special.gammaincc(50, 60), (500, 480):
    assert!((gamma_q(50.0, 60.0) - 0.084_406_681_093_691_77).abs() < 1e-12);
    assert!((gamma_q(500.0, 480.0) - 0.813_718_026_809_675_4).abs() < 1e-12);
}

// ---------------------------------------------------------------------------
// Exact constants, dtypes, parameters.

#[test]
fn degenerate_parameters_are_exact_constants() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 5, 0).unwrap();
    let mut v = vec![7u64; 100_000];
    s.fill(&Distribution::Poisson { lambda: 0.0 }, 0, &mut v)
        .unwrap();
    assert!(v.iter().all(|&k| k == 0));
    for (n, p, want) in [
        (12345, 0.0, 0),
        (12345, 1.0, 12345),
        (0, 0.5, 0),
        (0, 1.0, 0),
    ] {
        let mut v = vec![7u64; 100_000];
        s.fill(&Distribution::Binomial { n, p }, 3, &mut v).unwrap();
        assert!(v.iter().all(|&k| k == want), "binomial {n},{p}");
        let mut w = vec![7i32; 1000];
        s.fill(&Distribution::Binomial { n, p }, 3, &mut w).unwrap();
        assert!(w.iter().all(|&k| k as u64 == want));
    }
}

#[test]
fn every_dtype_gives_the_same_numbers() {
    let s = Stream::from_seed(Algorithm::THREEFRY4X64_20, 9, 2).unwrap();
    for d in [
        Distribution::Poisson { lambda: 4.25 },
        Distribution::Poisson { lambda: 77.0 },
        Distribution::Poisson { lambda: 5e8 },
        Distribution::Binomial { n: 50, p: 0.05 },
        Distribution::Binomial {
            n: 2_000_000_000,
            p: 0.6,
        },
    ] {
        let mut a = vec![0u32; 20_000];
        let mut b = vec![0i32; 20_000];
        let mut c = vec![0u64; 20_000];
        let mut e = vec![0i64; 20_000];
        s.fill(&d, 11, &mut a).unwrap();
        s.fill(&d, 11, &mut b).unwrap();
        s.fill(&d, 11, &mut c).unwrap();
        s.fill(&d, 11, &mut e).unwrap();
        for i in 0..a.len() {
            assert_eq!(u64::from(a[i]), c[i], "{d}");
            assert_eq!(i64::from(b[i]), e[i], "{d}");
            assert_eq!(c[i] as i64, e[i], "{d}");
        }
    }
}

#[test]
fn parameters_are_checked_against_the_dtype() {
    let bad = |d: Distribution, t: DType| {
        let e = d.prepare(t).unwrap_err();
        assert!(matches!(e, Error::BadParameter { .. }), "{d} {t}: {e}");
        let msg = e.to_string();
        assert!(!msg.contains('\n'), "{msg}");
    };
    use DType::*;
    for l in [f64::NAN, f64::INFINITY, -1.0, -1e-300] {
        bad(Distribution::Poisson { lambda: l }, U64);
    }
    bad(
        Distribution::Poisson {
            lambda: 1_073_741_825.0,
        },
        U32,
    );
    bad(Distribution::Poisson { lambda: 2e9 }, I32);
    assert!(Distribution::Poisson { lambda: 2e9 }.prepare(U64).is_ok());
    assert!(
        Distribution::Poisson {
            lambda: 1_099_511_627_776.0
        }
        .prepare(I64)
        .is_ok()
    );
    bad(Distribution::Poisson { lambda: 1.1e12 }, I64);
    for p in [f64::NAN, -0.1, 1.5, f64::INFINITY] {
        bad(Distribution::Binomial { n: 10, p }, U32);
    }
    bad(Distribution::Binomial { n: 1 << 32, p: 0.5 }, U32);
    assert!(
        Distribution::Binomial {
            n: (1 << 32) - 1,
            p: 0.5
        }
        .prepare(U32)
        .is_ok()
    );
    bad(Distribution::Binomial { n: 1 << 31, p: 0.5 }, I32);
    assert!(
        Distribution::Binomial {
            n: (1 << 31) - 1,
            p: 0.5
        }
        .prepare(I32)
        .is_ok()
    );
    bad(Distribution::Binomial { n: 1 << 53, p: 0.5 }, U64);
    bad(
        Distribution::Binomial {
            n: u64::MAX,
            p: 0.5,
        },
        I64,
    );
    assert!(
        Distribution::Binomial {
            n: (1 << 53) - 1,
            p: 0.5
        }
        .prepare(I64)
        .is_ok()
    );
    // Other dtypes are not offered.
    assert!(matches!(
        Distribution::Poisson { lambda: 1.0 }.prepare(F32),
        Err(Error::DTypeMismatch { .. })
    ));
    assert!(matches!(
        Distribution::Binomial { n: 3, p: 0.5 }.prepare(U8),
        Err(Error::DTypeMismatch { .. })
    ));
}

#[test]
fn names_parse_and_display() {
    for (text, d) in [
        ("poisson:30", Distribution::Poisson { lambda: 30.0 }),
        ("Poisson:1e-6", Distribution::Poisson { lambda: 1e-6 }),
        (
            "binomial:1000000000,0.3",
            Distribution::Binomial {
                n: 1_000_000_000,
                p: 0.3,
            },
        ),
        ("binomial:0,1", Distribution::Binomial { n: 0, p: 1.0 }),
    ] {
        let got: Distribution = text.parse().unwrap();
        assert_eq!(got, d);
        let again: Distribution = got.to_string().parse().unwrap();
        assert_eq!(again, d);
    }
    for text in [
        "poisson",
        "poisson:",
        "poisson:x",
        "binomial",
        "binomial:10",
        "binomial:-1,0.5",
        "binomial:1.5,0.5",
        "binomial:18446744073709551616,0.5",
        "binomial:10,",
    ] {
        let e = text.parse::<Distribution>().unwrap_err();
        assert!(matches!(e, Error::BadDistribution { .. }), "{text}: {e}");
    }
}

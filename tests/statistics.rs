//! Statistical tests of the distributions against their exact laws.
//! Thresholds are set for a false-alarm rate far below 1e-6 per assertion;
//! the streams are fixed, so a pass is reproducible, and a broken
//! distribution fails by orders of magnitude.
use cbrng::dist::{DType, Distribution, bernoulli};
use cbrng::{Algorithm, Stream};
use half::{bf16, f16};

fn stream(algo: &str, seed: u64) -> Stream {
    Stream::from_seed(algo.parse::<Algorithm>().unwrap(), seed, 11).unwrap()
}

/// Standard normal CDF from an independent f64 erfc (libm).
fn phi(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Kolmogorov-Smirnov statistic of sorted samples against `cdf`.
fn ks(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in sorted.iter().enumerate() {
        let f = cdf(x);
        d = d
            .max((f - i as f64 / n).abs())
            .max(((i + 1) as f64 / n - f).abs());
    }
    d
}

/// Critical KS distance at significance 1e-6 (asymptotic: sqrt(-ln(a/2)/2)/sqrt(n)).
fn ks_critical(n: usize) -> f64 {
    (-(0.5e-6f64).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

/// Chi-square critical value at about 1e-7 for `df` degrees of freedom (Wilson-Hilferty).
fn chi2_critical(df: f64) -> f64 {
    let z = 5.2;
    df * (1.0 - 2.0 / (9.0 * df) + z * (2.0 / (9.0 * df)).sqrt()).powi(3)
}

fn chi2(counts: &[u64], expected: f64) -> f64 {
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

#[test]
fn normal_f32_passes_ks_on_ten_million() {
    let n = 10_000_000;
    let mut x = vec![0f32; n];
    stream("philox4x32-10", 2024)
        .fill(&Distribution::STANDARD_NORMAL, 0, &mut x)
        .unwrap();
    let mut v: Vec<f64> = x.iter().map(|&z| f64::from(z)).collect();
    v.sort_unstable_by(f64::total_cmp);
    let d = ks(&v, phi);
    println!(
        "normal f32: KS D = {d:.3e} (critical {:.3e})",
        ks_critical(n)
    );
    assert!(d < ks_critical(n), "KS D = {d}");
    let mean = v.iter().sum::<f64>() / n as f64;
    let var = v.iter().map(|z| (z - mean).powi(2)).sum::<f64>() / n as f64;
    assert!(mean.abs() < 6.0 / (n as f64).sqrt(), "mean {mean}");
    assert!(
        (var - 1.0).abs() < 6.0 * (2.0 / n as f64).sqrt(),
        "var {var}"
    );
}

#[test]
fn normal_f64_passes_ks_on_ten_million() {
    let n = 10_000_000;
    let mut v = vec![0f64; n];
    stream("threefry2x64-20", 7)
        .fill(&Distribution::STANDARD_NORMAL, 5, &mut v)
        .unwrap();
    v.sort_unstable_by(f64::total_cmp);
    let d = ks(&v, phi);
    println!(
        "normal f64: KS D = {d:.3e} (critical {:.3e})",
        ks_critical(n)
    );
    assert!(d < ks_critical(n), "KS D = {d}");
}

#[test]
fn normal_with_mean_and_std_is_shifted_and_scaled() {
    let n = 1_000_000;
    let mut v = vec![0f64; n];
    stream("philox4x64-10", 1)
        .fill(
            &Distribution::Normal {
                mean: 10.0,
                std: 3.0,
            },
            0,
            &mut v,
        )
        .unwrap();
    v.sort_unstable_by(f64::total_cmp);
    let d = ks(&v, |x| phi((x - 10.0) / 3.0));
    assert!(d < ks_critical(n), "KS D = {d}");
}

#[test]
fn uniform_f32_and_f64_are_uniform() {
    let n = 1 << 23;
    let mut a = vec![0f32; n];
    stream("philox4x32-10", 3)
        .fill(&Distribution::Uniform, 0, &mut a)
        .unwrap();
    let mut counts = vec![0u64; 1024];
    for &x in &a {
        assert!((0.0..1.0).contains(&x));
        counts[(x * 1024.0) as usize] += 1;
    }
    let c = chi2(&counts, n as f64 / 1024.0);
    assert!(c < chi2_critical(1023.0), "f32 chi2 {c}");
    let mut b = vec![0f64; n];
    stream("threefry4x64-20", 3)
        .fill(&Distribution::Uniform, 0, &mut b)
        .unwrap();
    let mut counts = vec![0u64; 1024];
    for &x in &b {
        assert!((0.0..1.0).contains(&x));
        counts[(x * 1024.0) as usize] += 1;
    }
    let c = chi2(&counts, n as f64 / 1024.0);
    assert!(c < chi2_critical(1023.0), "f64 chi2 {c}");
}

#[test]
fn uniform_f16_and_bf16_hit_every_level_evenly() {
    let n = 1 << 22;
    let mut h = vec![f16::ZERO; n];
    stream("philox4x32-10", 4)
        .fill(&Distribution::Uniform, 1, &mut h)
        .unwrap();
    let mut counts = vec![0u64; 2048];
    for &x in &h {
        let v = x.to_f64();
        assert!((0.0..1.0).contains(&v));
        let level = v * 2048.0;
        assert_eq!(level.fract(), 0.0, "f16 values are multiples of 2^-11");
        counts[level as usize] += 1;
    }
    let c = chi2(&counts, n as f64 / 2048.0);
    assert!(c < chi2_critical(2047.0), "f16 chi2 {c}");
    let mut b = vec![bf16::ZERO; n];
    stream("threefry4x32-20", 4)
        .fill(&Distribution::Uniform, 3, &mut b)
        .unwrap();
    let mut counts = vec![0u64; 256];
    for &x in &b {
        let level = x.to_f64() * 256.0;
        assert_eq!(level.fract(), 0.0);
        counts[level as usize] += 1;
    }
    let c = chi2(&counts, n as f64 / 256.0);
    assert!(c < chi2_critical(255.0), "bf16 chi2 {c}");
}

#[test]
fn bernoulli_threshold_rounds_half_to_even() {
    let two32 = 4_294_967_296.0f64;
    assert_eq!(bernoulli::threshold(0.0).unwrap(), 0);
    assert_eq!(bernoulli::threshold(1.0).unwrap(), 1 << 32);
    assert_eq!(bernoulli::threshold(0.5).unwrap(), 1 << 31);
    assert_eq!(
        bernoulli::threshold(0.5 / two32).unwrap(),
        0,
        "0.5 rounds to even 0"
    );
    assert_eq!(
        bernoulli::threshold(1.5 / two32).unwrap(),
        2,
        "1.5 rounds to even 2"
    );
    assert_eq!(
        bernoulli::threshold(2.5 / two32).unwrap(),
        2,
        "2.5 rounds to even 2"
    );
    assert_eq!(bernoulli::threshold(1.0 - 0.5 / two32).unwrap(), 1 << 32);
    assert_eq!(bernoulli::threshold(1e-9).unwrap(), 4, "4.29 rounds to 4");
    for bad in [-0.0001, 1.0000001, f64::NAN, f64::INFINITY] {
        assert!(bernoulli::threshold(bad).is_err(), "{bad}");
    }
}

#[test]
fn bernoulli_frequencies_match_t_over_2_pow_32() {
    let n = 10_000_000usize;
    let mut m = vec![0u8; n];
    for (i, &p) in [0.0, 1e-9, 0.1, 0.5, 0.9, 1.0 - 1e-7, 1.0]
        .iter()
        .enumerate()
    {
        stream("philox4x32-10", 100 + i as u64)
            .fill(&Distribution::Bernoulli { p }, 0, &mut m)
            .unwrap();
        let ones = m.iter().map(|&b| u64::from(b)).sum::<u64>() as f64;
        assert!(m.iter().all(|&b| b <= 1));
        let q = bernoulli::threshold(p).unwrap() as f64 / 4_294_967_296.0;
        let sd = (n as f64 * q * (1.0 - q)).sqrt();
        assert!(
            (ones - n as f64 * q).abs() <= 6.0 * sd + 1e-9,
            "p = {p}: {ones} ones, expected {}",
            n as f64 * q
        );
        if p == 0.0 {
            assert_eq!(ones, 0.0);
        }
        if p == 1.0 {
            assert_eq!(ones, n as f64);
        }
    }
}

#[test]
fn bounded_integers_are_in_range_and_even() {
    let s = stream("philox4x32-10", 9);
    let n = 1 << 20;
    let check = |counts: &[u64]| {
        let c = chi2(counts, n as f64 / counts.len() as f64);
        assert!(c < chi2_critical(counts.len() as f64 - 1.0), "chi2 {c}");
    };
    let mut a = vec![0u8; n];
    s.fill(&Distribution::Int { lo: 3, hi: 13 }, 0, &mut a)
        .unwrap();
    let mut counts = vec![0u64; 10];
    a.iter().for_each(|&x| counts[(x - 3) as usize] += 1);
    check(&counts);
    let mut b = vec![0u32; n];
    s.fill(
        &Distribution::Int {
            lo: 1_000_000,
            hi: 1_000_007,
        },
        0,
        &mut b,
    )
    .unwrap();
    let mut counts = vec![0u64; 7];
    b.iter()
        .for_each(|&x| counts[(x - 1_000_000) as usize] += 1);
    check(&counts);
    let mut c = vec![0u64; n];
    let lo = u64::MAX - 5;
    s.fill(
        &Distribution::Int {
            lo: lo.into(),
            hi: 1 << 64,
        },
        0,
        &mut c,
    )
    .unwrap();
    let mut counts = vec![0u64; 6];
    c.iter().for_each(|&x| counts[(x - lo) as usize] += 1);
    check(&counts);
}

#[test]
fn full_range_integers_are_the_raw_bits() {
    // r = 2^k makes multiply-shift a plain bit extraction: a check of the formulas.
    let s = stream("threefry2x32-20", 5);
    let mut raw32 = vec![0u32; 2000];
    s.fill_u32(0, &mut raw32).unwrap();
    let mut raw64 = vec![0u64; 2000];
    s.fill_u64(0, &mut raw64).unwrap();
    let mut a = vec![0u8; 1000];
    s.fill(&Distribution::Int { lo: 0, hi: 256 }, 0, &mut a)
        .unwrap();
    assert!(a.iter().zip(&raw32).all(|(&x, &w)| x == (w >> 24) as u8));
    let mut b = vec![0u32; 1000];
    s.fill(&Distribution::Int { lo: 0, hi: 1 << 32 }, 0, &mut b)
        .unwrap();
    assert!(b.iter().zip(&raw64).all(|(&x, &w)| x == (w >> 32) as u32));
    let mut c = vec![0u64; 1000];
    s.fill(&Distribution::Int { lo: 0, hi: 1 << 64 }, 0, &mut c)
        .unwrap();
    assert!(c.iter().enumerate().all(|(i, &x)| x == raw64[2 * i + 1]));
}

#[test]
fn distribution_and_dtype_errors() {
    let s = stream("philox4x32-10", 1);
    let mut f = [0f32; 4];
    assert!(s.fill(&Distribution::Bits, 0, &mut f).is_err());
    assert!(
        s.fill(
            &Distribution::Normal {
                mean: 0.0,
                std: f64::NAN
            },
            0,
            &mut f
        )
        .is_err()
    );
    assert!(
        s.fill(
            &Distribution::Normal {
                mean: 1e300,
                std: 1.0
            },
            0,
            &mut f
        )
        .is_err(),
        "mean overflows f32"
    );
    let mut u = [0u8; 4];
    assert!(
        s.fill(&Distribution::Int { lo: 9, hi: 9 }, 0, &mut u)
            .is_err()
    );
    assert!(
        s.fill(&Distribution::Int { lo: 0, hi: 257 }, 0, &mut u)
            .is_err()
    );
    assert_eq!("f16".parse::<DType>().unwrap(), DType::F16);
    for bad in [
        "gauss",
        "int:3",
        "int:a..b",
        "bernoulli",
        "bernoulli:x",
        "uniform:1",
        "normal:1",
    ] {
        assert!(bad.parse::<Distribution>().is_err(), "{bad}");
    }
    assert_eq!(
        "normal:1,2".parse::<Distribution>().unwrap(),
        Distribution::Normal {
            mean: 1.0,
            std: 2.0
        }
    );
    assert_eq!(
        "int:0..18446744073709551616"
            .parse::<Distribution>()
            .unwrap(),
        Distribution::Int { lo: 0, hi: 1 << 64 }
    );
}

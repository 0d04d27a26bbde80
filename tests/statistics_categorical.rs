//! `cbrng::dist::categorical`: the table is the exact one, and 10^7 samples
//! (10^5 in a debug build) fit the exact probabilities `w_j / sum w`
//! (Pearson's chi-square, p-value by the Wilson-Hilferty approximation,
//! required above 1e-6; zero weights never drawn). Weight sets: zeros
//! between and around non-zero weights, 2^20 random weights, and extreme
//! ratios (1e-300 against 1, the largest float against the smallest
//! subnormal, 1e-12). Slices equal the whole, and every index type agrees.
//! `cargo test --release --test statistics_categorical -- --nocapture`
//! prints the statistics.
use cbrng::dist::categorical::Categorical;
use cbrng::{Algorithm, Stream};

const N: usize = if cfg!(debug_assertions) {
    100_000
} else {
    10_000_000
};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 ^ (self.0 >> 29)
    }
}

/// floor(c * 2^64 / s) for c < s < 2^64, in u128 (two 32-bit steps).
fn floor_ratio(c: u128, s: u128) -> u64 {
    let q1 = (c << 32) / s;
    let r1 = (c << 32) % s;
    ((q1 << 32) + (r1 << 32) / s) as u64
}

/// Chi-square upper tail P(X >= x) for k degrees of freedom
/// (Wilson-Hilferty: (X/k)^(1/3) is nearly normal).
fn chi2_p(x: f64, k: f64) -> f64 {
    let m = 1.0 - 2.0 / (9.0 * k);
    let sd = (2.0 / (9.0 * k)).sqrt();
    let z = ((x / k).cbrt() - m) / sd;
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// Draws N indices, checks them against the exact probabilities, returns the p-value.
fn chi_square(name: &str, w: &[f64], exact: &[f64], seed: u64) -> f64 {
    let c = Categorical::new(w).unwrap();
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, seed, 1).unwrap();
    let mut idx = vec![0u32; N];
    c.fill(&s, 0, &mut idx).unwrap();
    let mut counts = vec![0u64; w.len()];
    for &j in &idx {
        counts[j as usize] += 1;
    }
    let (mut x2, mut cells) = (0.0, 0usize);
    for (j, (&n, &p)) in counts.iter().zip(exact).enumerate() {
        if p == 0.0 {
            assert_eq!(
                n, 0,
                "{name}: index {j} has probability 0 but was drawn {n} times"
            );
            continue;
        }
        let e = p * N as f64;
        if e < 1e-3 {
            // far below one expected draw: any draw at all is a failure
            assert_eq!(
                n, 0,
                "{name}: index {j} (expected {e:e} draws) drawn {n} times"
            );
            continue;
        }
        x2 += (n as f64 - e).powi(2) / e;
        cells += 1;
    }
    let df = (cells - 1) as f64;
    let p = chi2_p(x2, df);
    println!("{name}: {N} samples, {cells} cells, chi2 {x2:.1} (df {df}), p {p:.3}");
    assert!(p > 1e-6 && p < 1.0 - 1e-9, "{name}: chi-square p {p}");
    // Every index type and a slice give the same indices.
    let mut i64s = vec![0i64; 1000];
    c.fill(&s, 12345, &mut i64s).unwrap();
    assert!(
        i64s.iter()
            .zip(&idx[12345..13345])
            .all(|(&a, &b)| a == i64::from(b))
    );
    p
}

fn exact_of(w: &[f64]) -> Vec<f64> {
    let s: f64 = w.iter().sum();
    w.iter().map(|x| x / s).collect()
}

#[test]
fn zeros_between_weights() {
    let w = [0.0, 1.0, 0.0, 2.5, 0.0, 0.0, 0.5, 3.0, 1e-3, 0.0];
    chi_square("zeros", &w, &exact_of(&w), 11);
}

#[test]
fn a_million_random_weights_exact_table_and_chi_square() {
    let mut rng = Lcg(0x2020);
    let n = 1 << 20;
    // integer weights < 2^36 (about one in 16 zero), so the exact
    // thresholds can be computed here in u128 arithmetic
    let wi: Vec<u64> = (0..n)
        .map(|_| {
            let r = rng.next();
            if r.is_multiple_of(16) { 0 } else { r >> 28 }
        })
        .collect();
    let w: Vec<f64> = wi.iter().map(|&x| x as f64).collect();
    let c = Categorical::new(&w).unwrap();
    let s: u128 = wi.iter().map(|&x| u128::from(x)).sum();
    let m = wi.iter().rposition(|&x| x > 0).unwrap() + 1;
    let mut acc = 0u128;
    let mut want = Vec::with_capacity(m - 1);
    for &x in &wi[..m - 1] {
        acc += u128::from(x);
        want.push(floor_ratio(acc, s));
    }
    assert_eq!(
        c.thresholds(),
        want.as_slice(),
        "the table is the exact floor"
    );
    let exact: Vec<f64> = wi.iter().map(|&x| x as f64 / s as f64).collect();
    chi_square("2^20 random weights", &w, &exact, 12);
}

#[test]
fn extreme_ratios() {
    // 1e-300 against 1: the tiny weight's share is below 2^-64, never drawn
    let w = [1e-300, 1.0, 0.25];
    let c = Categorical::new(&w).unwrap();
    assert_eq!(c.probability_units(0), 0);
    chi_square("1e-300 vs 1", &w, &[0.0, 0.8, 0.2], 13);
    // 1e-12 is above 2^-64: exactly floor-differences, within 2^-64 of its share
    let w = [1.0, 1e-12, 1.0, 1e300 * 0.0];
    let c = Categorical::new(&w).unwrap();
    let share = 1e-12 / (2.0 + 1e-12);
    let units = c.probability_units(1) as f64 * 2f64.powi(-64);
    assert!(
        (units - share).abs() <= 2f64.powi(-64),
        "{units} vs {share}"
    );
    chi_square("1 vs 1e-12", &w, &exact_of(&w), 14);
    // the largest float against the smallest subnormal (2^-1074): exact sums
    // across 2098 binary orders of magnitude
    let w = [f64::MAX, 5e-324, 0.5 * f64::MAX];
    let c = Categorical::new(&w).unwrap();
    let total: u128 = (0..3).map(|j| c.probability_units(j)).sum();
    assert_eq!(total, 1 << 64);
    chi_square("max vs 2^-1074", &w, &[2.0 / 3.0, 0.0, 1.0 / 3.0], 15);
}

#[test]
fn slices_equal_the_whole_and_errors_are_values() {
    let w: Vec<f64> = (0..1000).map(|k| (k % 7) as f64).collect();
    let c = Categorical::new(&w).unwrap();
    let s = Stream::from_seed(Algorithm::THREEFRY4X64_20, 5, 9).unwrap();
    let mut whole = vec![0u32; 10_000];
    c.fill(&s, 100, &mut whole).unwrap();
    for (off, len) in [(0usize, 1usize), (1, 4095), (4097, 3), (5000, 5000)] {
        let mut part = vec![0u32; len];
        c.fill(&s, 100 + off as u128, &mut part).unwrap();
        assert_eq!(part, whole[off..off + len]);
    }
    // the index of u64 element i is the table's binary search of it
    let mut bits = vec![0u64; 10_000];
    s.fill(&cbrng::Dist::Bits, 100, &mut bits).unwrap();
    assert!(bits.iter().zip(&whole).all(|(&x, &j)| c.index(x) == j));
    // past the end of the stream: an error, nothing written
    let end = s.len_of(&cbrng::Dist::Bits.prepare(cbrng::dist::DType::U64).unwrap());
    let mut out = vec![7u32; 4];
    assert!(c.fill(&s, end - 2, &mut out).is_err());
    assert_eq!(out, [7; 4]);
}

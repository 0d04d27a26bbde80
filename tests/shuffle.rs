//! The random-access permutation (`cbrng::shuffle`): bijectivity (every n up
//! to 1100, and 2^20, 2^20 ± 1 and odd sizes, exhaustively), inverse, the
//! vector path equal to the scalar definition on every backend and thread
//! count (huge n included), uniformity over keys (positions, pairs, fixed
//! points, with p-values), the gathers, errors, and the committed
//! known-answer vectors of `tests/data/permutation_v1.txt`.
use cbrng::shuffle::{PERMUTATION_ROUNDS, Permutation};
use cbrng::{Algorithm, CpuBackend, CpuOptions, Error, Key, Stream};

fn perm(seed: u64, stream: u64, n: u64) -> Permutation {
    Permutation::from_seed(seed, stream, n).unwrap()
}

/// Checks that `order` (index(0..n)) is a permutation of [0, n) and that
/// `inverse` undoes it.
fn assert_bijection(p: &Permutation, order: &[u64]) {
    let n = p.len() as usize;
    assert_eq!(order.len(), n);
    let mut seen = vec![false; n];
    for (i, &j) in order.iter().enumerate() {
        assert!(j < n as u64, "n {n}: index({i}) = {j} out of range");
        assert!(!seen[j as usize], "n {n}: {j} taken twice");
        seen[j as usize] = true;
    }
}

#[test]
fn every_n_up_to_1100_is_a_bijection_with_its_inverse() {
    for n in 0..=1100u64 {
        for (seed, stream) in [(0, 0), (42, 7)] {
            let p = perm(seed, stream, n);
            let mut order = vec![0u64; n as usize];
            p.indices(0, &mut order).unwrap();
            assert_bijection(&p, &order);
            for (i, &j) in order.iter().enumerate() {
                assert_eq!(p.index(i as u64).unwrap(), j, "n {n} i {i}");
                assert_eq!(p.inverse(j).unwrap(), i as u64, "n {n} j {j}");
            }
        }
    }
}

#[test]
fn large_and_odd_sizes_are_bijections_exhaustively() {
    for n in [
        1 << 20,
        (1 << 20) - 1,
        (1 << 20) + 1,
        1_000_003,
        531_441, // 3^12
        65_537,
        999_999,
        (1 << 17) + 12_345,
    ] {
        let p = perm(123, n, n);
        let mut order = vec![0u64; n as usize];
        p.indices(0, &mut order).unwrap();
        assert_bijection(&p, &order);
        for (i, &j) in order.iter().enumerate() {
            assert_eq!(p.inverse(j).unwrap(), i as u64, "n {n} j {j}");
        }
        // Not the identity, and not a shift: a few positions move apart.
        let moved = order.iter().enumerate().filter(|&(i, &j)| i as u64 != j);
        assert!(
            moved.count() as u64 > n - n / 100,
            "n {n}: too many fixed points"
        );
    }
}

/// A small deterministic generator for test positions.
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn sizes_with_huge() -> Vec<u64> {
    let mut v = vec![2, 3, 4, 5, 17, 1000, (1 << 26) + 1];
    for k in [31u32, 32, 33, 40, 47, 48, 62, 63] {
        v.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    v.extend([u64::MAX, u64::MAX - 1, 0x9e37_79b9_7f4a_7c15]);
    v
}

#[test]
fn huge_sizes_invert_and_stay_in_range() {
    let mut rng = SplitMix(5);
    for n in sizes_with_huge() {
        let p = perm(9, 1, n);
        for _ in 0..2000 {
            let i = rng.next() % n;
            let j = p.index(i).unwrap();
            assert!(j < n);
            assert_eq!(p.inverse(j).unwrap(), i, "n {n} i {i}");
        }
        // The ends of the range.
        for i in [0, n - 1] {
            let j = p.index(i).unwrap();
            assert_eq!(p.inverse(j).unwrap(), i);
        }
        assert!(p.index(n).is_err());
    }
}

fn backends() -> Vec<CpuBackend> {
    CpuBackend::ALL
        .into_iter()
        .filter(|b| b.is_available())
        .collect()
}

#[test]
fn every_backend_and_thread_count_gives_the_scalar_values() {
    let mut rng = SplitMix(11);
    for n in sizes_with_huge() {
        let p = perm(3, 4, n);
        // Slices at the start, the end and random places, of odd lengths.
        let count = n.min(3000) as usize;
        let mut starts = vec![0, n - count as u64];
        starts.push(rng.next() % (n - count as u64 + 1));
        for first in starts {
            let want: Vec<u64> = (0..count as u64)
                .map(|k| p.index(first + k).unwrap())
                .collect();
            for be in backends() {
                let opts = CpuOptions::auto().with_backend(be).unwrap();
                let mut got = vec![0u64; count];
                p.indices_with(&opts, first, &mut got).unwrap();
                assert_eq!(got, want, "n {n} first {first} backend {be}");
            }
        }
    }
    // A large slice cut over threads equals one pass.
    let p = perm(8, 8, 3 << 20);
    let mut one = vec![0u64; 1 << 20];
    p.indices_with(
        &CpuOptions::auto().with_threads(1).unwrap(),
        12345,
        &mut one,
    )
    .unwrap();
    for t in [2, 3, 7] {
        for be in backends() {
            let opts = CpuOptions::auto()
                .with_threads(t)
                .unwrap()
                .with_backend(be)
                .unwrap();
            let mut got = vec![0u64; 1 << 20];
            p.indices_with(&opts, 12345, &mut got).unwrap();
            assert!(got == one, "{t} threads, backend {be}");
        }
    }
}

#[test]
fn permute_and_shuffle_in_place_follow_index() {
    for n in [0u64, 1, 2, 3, 100, 4097, (1 << 18) + 3] {
        let p = perm(77, 2, n);
        let order: Vec<u64> = (0..n).map(|i| p.index(i).unwrap()).collect();
        let src: Vec<u32> = (0..n as u32)
            .map(|x| x.wrapping_mul(2_654_435_761))
            .collect();
        let want: Vec<u32> = order.iter().map(|&j| src[j as usize]).collect();
        for t in [1, 2, 4] {
            for be in backends() {
                let opts = CpuOptions::auto()
                    .with_threads(t)
                    .unwrap()
                    .with_backend(be)
                    .unwrap();
                let mut dst = vec![0u32; n as usize];
                p.permute_with(&opts, &src, &mut dst).unwrap();
                assert_eq!(dst, want, "n {n} threads {t} {be}");
                let mut data = src.clone();
                p.shuffle_in_place_with(&opts, &mut data).unwrap();
                assert_eq!(data, want, "in place, n {n} threads {t} {be}");
            }
        }
        // Other element types: bytes, u64, a 3-byte struct.
        let b: Vec<u8> = src.iter().map(|&x| x as u8).collect();
        let mut bd = vec![0u8; n as usize];
        p.permute(&b, &mut bd).unwrap();
        assert!(bd.iter().zip(&order).all(|(&x, &j)| x == b[j as usize]));
        let w: Vec<[u8; 3]> = src.iter().map(|&x| [x as u8, (x >> 8) as u8, 1]).collect();
        let mut wd = vec![[0u8; 3]; n as usize];
        p.permute(&w, &mut wd).unwrap();
        assert!(wd.iter().zip(&order).all(|(x, &j)| *x == w[j as usize]));
    }
}

#[test]
fn bad_input_is_an_error_value() {
    let p = perm(1, 0, 10);
    let msg = |e: Error| e.to_string();
    assert_eq!(
        msg(p.index(10).unwrap_err()),
        "bad parameter: position 10 is not below the permutation's size 10"
    );
    assert_eq!(
        msg(p.inverse(u64::MAX).unwrap_err()),
        "bad parameter: value 18446744073709551615 is not below the permutation's size 10"
    );
    let empty = perm(1, 0, 0);
    assert!(empty.is_empty());
    assert!(empty.index(0).is_err() && empty.inverse(0).is_err());
    empty.indices(0, &mut []).unwrap();
    assert!(empty.indices(0, &mut [0]).is_err());
    let mut out = [0u64; 4];
    assert_eq!(
        msg(p.indices(7, &mut out).unwrap_err()),
        "bad parameter: positions [7, 11) pass the permutation's size 10"
    );
    assert!(p.indices(u64::MAX, &mut out).is_err());
    let src = [0u32; 10];
    let mut dst = [0u32; 9];
    assert_eq!(
        msg(p.permute(&src, &mut dst).unwrap_err()),
        "destination holds 9 elements, expected 10"
    );
    assert!(p.permute(&src[..9], &mut [0u32; 10]).is_err());
    assert!(p.shuffle_in_place(&mut [0u8; 11]).is_err());
    // n = 1: the identity.
    let one = perm(5, 5, 1);
    assert_eq!((one.index(0).unwrap(), one.inverse(0).unwrap()), (0, 0));
    // Philox2x32 keys are 32-bit: a wide seed is refused by the stream.
    assert!(Stream::from_seed(Algorithm::PHILOX2X32_10, 1 << 40, 0).is_err());
}

#[test]
fn the_order_depends_on_key_stream_and_n_only() {
    let a = perm(42, 3, 1000);
    // The same key words under another generator give the same order.
    let t = Stream::new(
        Algorithm::THREEFRY2X32_20,
        Key::from_words(Algorithm::THREEFRY2X32_20, &[42, 0]).unwrap(),
        3,
    )
    .unwrap();
    assert_eq!(Permutation::new(&t, 1000).unwrap(), a);
    // Another stream, seed or n: another order (round keys differ).
    for b in [perm(42, 4, 1000), perm(43, 3, 1000), perm(42, 3, 1001)] {
        assert_ne!(b.round_keys(), a.round_keys());
    }
    assert_eq!(a.half_bits(), (5, 5));
    assert_eq!(perm(0, 0, 1025).half_bits(), (5, 6));
    assert_eq!(perm(0, 0, u64::MAX).half_bits(), (32, 32));
    assert_eq!(perm(0, 0, 2).half_bits(), (4, 4));
    assert_eq!(perm(0, 0, 257).half_bits(), (4, 5));
    assert_eq!(a.round_keys().len(), PERMUTATION_ROUNDS);
}

// ---- statistics -------------------------------------------------------

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; |error| < 1e-13 here).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The chi-square survival function: P(X >= x) for `df` degrees of freedom,
/// the regularised upper incomplete gamma Q(df/2, x/2) (series below a + 1,
/// continued fraction above).
fn chi2_sf(x: f64, df: f64) -> f64 {
    let (a, x) = (df / 2.0, x / 2.0);
    if x <= 0.0 {
        return 1.0;
    }
    let lead = (a * x.ln() - x - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        1.0 - sum * lead
    } else {
        // Lentz's continued fraction for Q.
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
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
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        lead * h
    }
}

#[test]
fn chi2_sf_matches_known_values() {
    // mpmath 1.3.0 at 30 digits: gammainc(df/2, x/2, inf, regularized=True).
    for (x, df, want) in [
        (3.84, 1.0, 0.050_043_521_248_705_103),
        (10.0, 10.0, 0.440_493_285_065_212_4),
        (150.0, 100.0, 0.000_903_932_042_354_009_1),
        (1.0, 5.0, 0.962_565_773_247_296_4),
        (83.0, 4.0, 4.028_727_852_739_521e-17),
    ] {
        let got = chi2_sf(x, df);
        assert!((got - want).abs() <= 1e-9 * want, "{x} {df}: {got}");
    }
}

/// Pearson's statistic of `counts` against `expected` per cell.
fn chi2_stat(counts: &[u64], expected: &[f64]) -> f64 {
    counts
        .iter()
        .zip(expected)
        .map(|(&c, &e)| (c as f64 - e) * (c as f64 - e) / e)
        .sum()
}

/// Fails below this p-value (each test is one of a few dozen: a false alarm
/// about once in 10^4 runs of the suite, and the keys are fixed, so a run
/// that passes always passes).
const P_MIN: f64 = 1e-6;

/// Keys (stream ids) per statistic; a debug build (10-50 times slower)
/// takes a tenth, which still leaves every cell's expected count >= 2.
const KEYS: u64 = if cfg!(debug_assertions) {
    2_000
} else {
    20_000
};

/// Where element i lands, over KEYS keys: an n x n table of counts, each
/// expected KEYS / n; rows and columns sum to KEYS, so (n-1)^2 degrees of
/// freedom.
#[test]
fn positions_are_uniform_over_keys() {
    let mut report = Vec::new();
    for n in [2u64, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100] {
        let mut counts = vec![0u64; (n * n) as usize];
        let mut order = vec![0u64; n as usize];
        for key in 0..KEYS {
            let p = perm(2024, key, n);
            p.indices(0, &mut order).unwrap();
            for (i, &j) in order.iter().enumerate() {
                counts[i * n as usize + j as usize] += 1;
            }
        }
        let e = vec![KEYS as f64 / n as f64; counts.len()];
        let stat = chi2_stat(&counts, &e);
        let df = ((n - 1) * (n - 1)) as f64;
        let pv = chi2_sf(stat, df);
        report.push(format!("n {n}: chi2 {stat:.1} df {df} p {pv:.3}"));
        assert!(pv > P_MIN, "n {n}: positions chi2 {stat} df {df} p {pv}");
    }
    eprintln!("positions: {}", report.join("; "));
}

/// Where a pair of elements (0 and 1, and n-2 and n-1) lands together: n(n-1)
/// cells each expected KEYS / (n(n-1)).
#[test]
fn pairs_are_uniform_over_keys() {
    let mut report = Vec::new();
    for n in [3u64, 4, 5, 8, 9, 16, 17] {
        for (a, b) in [(0, 1), (n - 2, n - 1)] {
            let cells = (n * (n - 1)) as usize;
            let mut counts = vec![0u64; (n * n) as usize];
            for key in 0..KEYS {
                let p = perm(77, key, n);
                let (x, y) = (p.index(a).unwrap(), p.index(b).unwrap());
                counts[(x * n + y) as usize] += 1;
            }
            let off: Vec<u64> = (0..n * n)
                .filter(|c| c / n != c % n)
                .map(|c| counts[c as usize])
                .collect();
            assert_eq!(off.len(), cells);
            assert_eq!(off.iter().sum::<u64>(), KEYS, "a pair collided");
            let e = vec![KEYS as f64 / cells as f64; cells];
            let stat = chi2_stat(&off, &e);
            let pv = chi2_sf(stat, (cells - 1) as f64);
            report.push(format!("n {n} ({a},{b}): p {pv:.3}"));
            assert!(pv > P_MIN, "n {n} pair ({a},{b}): chi2 {stat} p {pv}");
        }
    }
    eprintln!("pairs: {}", report.join("; "));
}

/// The number of fixed points against its exact law for a uniform
/// permutation of n, P(k) = (1/k!) sum_{j=0}^{n-k} (-1)^j / j! (0..=4, then
/// 5 or more in one cell).
#[test]
fn fixed_points_follow_the_uniform_law() {
    let mut report = Vec::new();
    for n in [8u64, 16, 17, 64, 1000, 1 << 12] {
        let mut counts = [0u64; 6];
        let mut order = vec![0u64; n as usize];
        for key in 0..KEYS {
            let p = perm(99, key, n);
            p.indices(0, &mut order).unwrap();
            let f = order.iter().enumerate().filter(|&(i, &j)| i as u64 == j);
            counts[f.count().min(5)] += 1;
        }
        let law = |k: u64| -> f64 {
            let mut s = 0.0;
            let mut t = 1.0;
            for j in 0..=(n - k) {
                if j > 0 {
                    t /= -(j as f64);
                }
                s += t;
            }
            s / (1..=k).map(|x| x as f64).product::<f64>()
        };
        let mut p: Vec<f64> = (0..5).map(law).collect();
        p.push(1.0 - p.iter().sum::<f64>());
        let e: Vec<f64> = p.iter().map(|q| q * KEYS as f64).collect();
        // Cells expected below 5 (5+ fixed points: about 0.0037 * KEYS = 73) are kept.
        let stat = chi2_stat(&counts, &e);
        let pv = chi2_sf(stat, 5.0);
        report.push(format!("n {n}: {counts:?} p {pv:.3}"));
        assert!(pv > P_MIN, "n {n}: fixed points {counts:?} p {pv}");
    }
    eprintln!("fixed points: {}", report.join("; "));
}

// ---- known answers ------------------------------------------------------

/// `tests/data/permutation_v1.txt`, made by
/// `tests/data/gen_permutation_reference.py` from the written definition
/// (round keys from cbrng's key derivation, checked against
/// tests/data/derive_v1.txt elsewhere): per case the round keys and index
/// values at listed positions. The order may never change.
#[test]
fn known_answers_of_permutation_v1() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/permutation_v1.txt"
    ))
    .unwrap();
    let mut cases = 0;
    let mut values = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        // seed stream n | k0..k7 | i:j i:j ...
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(parts.len(), 3, "{line}");
        let head: Vec<u64> = parts[0]
            .split_whitespace()
            .map(|w| w.parse().unwrap())
            .collect();
        let (seed, stream, n) = (head[0], head[1], head[2]);
        let keys: Vec<u32> = parts[1]
            .split_whitespace()
            .map(|w| u32::from_str_radix(w, 16).unwrap())
            .collect();
        let p = perm(seed, stream, n);
        assert_eq!(p.round_keys().to_vec(), keys, "round keys of {line}");
        for pair in parts[2].split_whitespace() {
            let (i, j) = pair.split_once(':').unwrap();
            let (i, j): (u64, u64) = (i.parse().unwrap(), j.parse().unwrap());
            assert_eq!(
                p.index(i).unwrap(),
                j,
                "seed {seed} stream {stream} n {n} i {i}"
            );
            assert_eq!(p.inverse(j).unwrap(), i);
            values += 1;
        }
        // The Feistel part alone, from the file's keys.
        let q = Permutation::from_round_keys(n, keys.try_into().unwrap());
        assert_eq!(q, p);
        cases += 1;
    }
    assert!(
        cases >= 20 && values >= 500,
        "{cases} cases, {values} values"
    );
}

//! Exact reductions against an independent reference: every input is turned
//! into an exact big integer (num-bigint), summed there, and rounded with a
//! separate, textbook big-rational rounding routine. The results must be
//! bit-identical, for adversarial data, every format, every thread count and
//! every split into merged shards.
#[path = "common/bigref.rs"]
mod bigref;
mod common;
use bigref::{SCALE, as_f64, exact_sum, reference, round_rational, units};
use cbrng::reduce::{self, Accumulator, Float};
use common::SplitMix;
use half::{bf16, f16};
use num_bigint::{BigInt, BigUint};
use num_traits::{One, Signed, Zero};

// ---------------------------------------------------------------- reference

fn all_neg_zero<T: Float>(xs: &[T]) -> bool {
    !xs.is_empty() && xs.iter().all(|&x| x.to_bits_u64() == 1 << (T::BITS - 1))
}

fn bits<T: Float>(x: T) -> u64 {
    x.to_bits_u64()
}

/// Checks sum (in T and f64), mean, and the state round trip against the reference.
fn check_sum<T: Float>(xs: &[T], what: &str) {
    let s = exact_sum(xs);
    let z = all_neg_zero(xs);
    assert_eq!(
        bits(reduce::sum(xs)),
        bits(reference::<T>(&s, 1, z)),
        "{what}: sum in {} of {} values",
        T::NAME,
        xs.len()
    );
    assert_eq!(
        reduce::sum_f64(xs).to_bits(),
        reference::<f64>(&s, 1, z).to_bits(),
        "{what}: f64 sum of {} values",
        xs.len()
    );
    if !xs.is_empty() {
        assert_eq!(
            bits(reduce::mean(xs)),
            bits(reference::<T>(&s, xs.len() as u64, z)),
            "{what}: mean in {}",
            T::NAME
        );
    }
}

// ------------------------------------------------------------------- data

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A finite value with uniformly random bits (all exponents equally likely).
    fn finite<T: Float>(&mut self) -> T {
        loop {
            let b = self.next() >> (64 - T::BITS);
            let e = (b >> T::FRAC_BITS) & ((1 << T::EXP_BITS) - 1);
            if e != (1 << T::EXP_BITS) - 1 {
                return T::from_bits_u64(b);
            }
        }
    }
    fn shuffle<X>(&mut self, v: &mut [X]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

// ------------------------------------------------------------------ tests

#[test]
fn huge_cancellation() {
    check_sum(&[1e30f32, 1.0, -1e30], "1e30 + 1 - 1e30");
    check_sum(&[1e300f64, 1.0, -1e300], "1e300 + 1 - 1e300");
    check_sum(
        &[f64::MAX, f64::MAX, -f64::MAX, -f64::MAX, 1e-320],
        "max cancel",
    );
    check_sum(&[f32::MAX, f32::MAX, -f32::MAX], "no intermediate overflow");
    assert_eq!(reduce::sum(&[1e30f32, 1.0, -1e30]), 1.0);
    // A tie in the last place: 1 + 2^-24 is halfway between two f32.
    let tie = [1.0f32, 2f32.powi(-24)];
    check_sum(&tie, "tie to even");
    assert_eq!(reduce::sum(&tie), 1.0);
    // 2^-140 is subnormal: built from its bits (2^-149 is bit 0), because
    // `2f32.powi(-140)` is 0 at run time in debug builds.
    let tiny = f32::from_bits(1 << 9);
    assert_eq!(tiny as f64, 2f64.powi(-140));
    let above = [1.0f32, 2f32.powi(-24), tiny, 1e30, -1e30];
    check_sum(&above, "just above the tie");
    assert_eq!(reduce::sum(&above), 1.0 + 2f32.powi(-23));
}

#[test]
fn subnormals_and_every_exponent() {
    let mut r = SplitMix(1);
    let sub32: Vec<f32> = (0..5000)
        .map(|_| f32::from_bits((r.next() as u32) & 0x807f_ffff))
        .collect();
    check_sum(&sub32, "all-subnormal f32");
    let sub64: Vec<f64> = (0..5000)
        .map(|_| f64::from_bits(r.next() & 0x800f_ffff_ffff_ffff))
        .collect();
    check_sum(&sub64, "all-subnormal f64");
    let sub16: Vec<f16> = (0..3000)
        .map(|_| f16::from_bits((r.next() as u16) & 0x83ff))
        .collect();
    check_sum(&sub16, "all-subnormal f16");
    // Tiny sums that stay subnormal, with cancellation.
    check_sum(
        &[
            f32::from_bits(3),
            f32::from_bits(0x8000_0001),
            f32::from_bits(5),
        ],
        "tiny",
    );
    // Random bits: every exponent from the least subnormal to the largest.
    for n in [10, 1000, 20_000] {
        check_sum(
            &(0..n).map(|_| r.finite::<f32>()).collect::<Vec<_>>(),
            "bits f32",
        );
        check_sum(
            &(0..n).map(|_| r.finite::<f64>()).collect::<Vec<_>>(),
            "bits f64",
        );
        check_sum(
            &(0..n).map(|_| r.finite::<f16>()).collect::<Vec<_>>(),
            "bits f16",
        );
        check_sum(
            &(0..n).map(|_| r.finite::<bf16>()).collect::<Vec<_>>(),
            "bits bf16",
        );
    }
}

#[test]
fn cancelling_pairs_leave_the_small_terms() {
    // x and -x for random x of every magnitude, shuffled, plus a few small terms:
    // the exact sum is the small terms' sum.
    let mut r = SplitMix(2);
    let mut v: Vec<f64> = vec![];
    for _ in 0..20_000 {
        let x: f64 = r.finite();
        v.push(x);
        v.push(-x);
    }
    v.extend([3.0e-310, 1.0, 2f64.powi(-60), -7.5e-200]);
    r.shuffle(&mut v);
    check_sum(&v, "cancelling pairs f64");
    let mut w: Vec<f32> = vec![];
    for _ in 0..20_000 {
        let x: f32 = r.finite();
        w.extend([x, -x]);
    }
    w.extend([1.0f32, 1e-45, 2f32.powi(-30)]);
    r.shuffle(&mut w);
    check_sum(&w, "cancelling pairs f32");
}

#[test]
fn lengths_around_powers_of_two() {
    let mut r = SplitMix(3);
    check_sum::<f32>(&[], "empty");
    assert_eq!(reduce::sum::<f32>(&[]).to_bits(), 0);
    for k in [0u32, 1, 2, 3, 5, 8, 10, 12, 16] {
        for n in [(1usize << k).saturating_sub(1), 1 << k, (1 << k) + 1] {
            let u: Vec<f64> = (0..n)
                .map(|_| (r.next() >> 11) as f64 * 2f64.powi(-53))
                .collect();
            check_sum(&f32s(&u), "uniform f32");
            check_sum(&u, "uniform f64");
            let h: Vec<f16> = u.iter().map(|&x| f16::from_f64(x - 0.5)).collect();
            check_sum(&h, "uniform f16");
            let b: Vec<bf16> = u.iter().map(|&x| bf16::from_f64(x * 1e10)).collect();
            check_sum(&b, "uniform bf16");
        }
    }
}

#[test]
fn ten_million_random_f32() {
    let mut r = SplitMix(4);
    // Mixed: mostly O(1) values of both signs, some large ones.
    let xs: Vec<f32> = (0..10_000_000)
        .map(|i| {
            let u = (r.next() >> 40) as f32 * 2f32.powi(-24) - 0.5;
            if i % 1000 == 0 { u * 1e20 } else { u }
        })
        .collect();
    check_sum(&xs, "1e7 f32");
    let s = exact_sum(&xs);
    let want = reference::<f32>(&s, 1, false).to_bits();
    for threads in [1, 2, 3, 7, 64] {
        let mut a = Accumulator::new();
        a.add_slice_threads(&xs, threads);
        assert_eq!(a.finish::<f32>().to_bits(), want, "{threads} threads");
    }
}

#[test]
fn three_million_random_f64_over_several_chunks() {
    let mut r = SplitMix(9);
    let xs: Vec<f64> = (0..3_000_000)
        .map(|i| {
            let u = (r.next() >> 11) as f64 * 2f64.powi(-53) - 0.5;
            if i % 1001 == 0 {
                r.finite::<f64>() * 1e-290
            } else {
                u * 1e-3
            }
        })
        .collect();
    check_sum(&xs, "3e6 f64");
}

#[test]
fn shards_merged_in_any_order_and_through_bytes() {
    let mut r = SplitMix(5);
    let xs: Vec<f64> = (0..200_003)
        .map(|i| {
            let x: f64 = r.finite();
            if i % 3 == 0 {
                x * 1e-300
            } else {
                x.clamp(-1e300, 1e300)
            }
        })
        .collect();
    let whole = {
        let mut a = Accumulator::new();
        a.add_slice(&xs);
        a
    };
    assert_eq!(
        whole.finish::<f64>().to_bits(),
        reference::<f64>(&exact_sum(&xs), 1, false).to_bits()
    );
    for shards in [1usize, 2, 3, 7, 64] {
        // Uneven random cut points.
        let mut cuts: Vec<usize> = (0..shards - 1).map(|_| r.below(xs.len() + 1)).collect();
        cuts.extend([0, xs.len()]);
        cuts.sort();
        let mut states: Vec<Vec<u8>> = cuts
            .windows(2)
            .map(|w| {
                let mut a = Accumulator::new();
                a.add_slice(&xs[w[0]..w[1]]);
                a.to_bytes()
            })
            .collect();
        for _ in 0..3 {
            r.shuffle(&mut states);
            let mut acc = Accumulator::new();
            for b in &states {
                acc.merge(&Accumulator::from_bytes(b).unwrap()).unwrap();
            }
            assert_eq!(acc, whole, "{shards} shards");
            assert_eq!(acc.to_bytes(), whole.to_bytes());
            assert_eq!(
                acc.finish::<f64>().to_bits(),
                whole.finish::<f64>().to_bits()
            );
            assert_eq!(
                acc.finish::<f32>().to_bits(),
                whole.finish::<f32>().to_bits()
            );
        }
    }
}

#[test]
fn special_values() {
    let nan = f32::NAN;
    let inf = f32::INFINITY;
    assert!(reduce::sum(&[1.0f32, nan, 2.0]).is_nan());
    assert!(reduce::sum(&[inf, -inf]).is_nan());
    assert_eq!(reduce::sum(&[inf, 1.0, inf, -f32::MAX]), inf);
    assert_eq!(reduce::sum(&[-inf, 1e30f32]), -inf);
    assert!(reduce::sum(&[f64::INFINITY, f64::NAN]).is_nan());
    assert_eq!(reduce::sum(&[f32::MAX, f32::MAX]), inf);
    assert_eq!(reduce::sum(&[-f32::MAX, -f32::MAX]), -inf);
    assert_eq!(
        reduce::sum_f64(&[f32::MAX, f32::MAX]),
        2.0 * f32::MAX as f64
    );
    assert_eq!(reduce::sum(&[f64::MAX, f64::MAX]), f64::INFINITY);
    assert_eq!(reduce::sum(&[f16::MAX, f16::MAX]), f16::INFINITY);
    // Rounds to MAX rather than overflowing: just below the halfway point.
    let ulp = 2f32.powi(104);
    check_sum(&[f32::MAX, ulp / 4.0], "below overflow threshold");
    assert_eq!(reduce::sum(&[f32::MAX, ulp / 4.0]), f32::MAX);
    assert_eq!(
        reduce::sum(&[f32::MAX, ulp / 2.0]),
        inf,
        "tie at the threshold"
    );
    // Signed zeros.
    assert_eq!(reduce::sum(&[-0.0f32, -0.0]).to_bits(), (-0.0f32).to_bits());
    assert_eq!(reduce::sum(&[-0.0f32]).to_bits(), (-0.0f32).to_bits());
    assert_eq!(reduce::sum(&[-0.0f32, 0.0]).to_bits(), 0);
    assert_eq!(reduce::sum(&[1.0f32, -1.0]).to_bits(), 0);
    assert_eq!(reduce::sum::<f64>(&[]).to_bits(), 0);
    assert_eq!(
        reduce::sum(&vec![-0.0f32; 5000]).to_bits(),
        (-0.0f32).to_bits()
    );
    assert_eq!(
        reduce::sum(&vec![-0.0f64; 50_000]).to_bits(),
        (-0.0f64).to_bits()
    );
    assert!(reduce::mean::<f32>(&[]).is_nan());
    let mut z = vec![-0.0f32; 5000];
    z[4321] = 0.0;
    assert_eq!(reduce::sum(&z).to_bits(), 0, "one +0.0 among -0.0");
    z[4321] = -1e-45;
    z[17] = 1e-45;
    assert_eq!(reduce::sum(&z).to_bits(), 0, "x and -x among -0.0");
    let mut z = vec![-0.0f64; 20_000];
    z[1] = -5e-324;
    z[2] = 5e-324;
    assert_eq!(reduce::sum(&z).to_bits(), 0);
    let mut n = vec![2.0f64; 20_000];
    n[19_000] = f64::NAN;
    assert!(reduce::sum(&n).is_nan());
    n[19_000] = f64::NEG_INFINITY;
    assert_eq!(reduce::sum(&n), f64::NEG_INFINITY);
    let mut h = vec![f16::ONE; 1000];
    h[5] = f16::NAN;
    assert!(reduce::sum(&h).is_nan());
    h[5] = f16::NEG_INFINITY;
    h[6] = f16::INFINITY;
    assert!(reduce::sum(&h).is_nan());
    // Specials deep inside long slices (the binned path).
    let mut v = vec![1.0f32; 100_000];
    v[77_777] = nan;
    assert!(reduce::sum(&v).is_nan());
    v[77_777] = -inf;
    assert_eq!(reduce::sum(&v), -inf);
    v[3] = inf;
    assert!(reduce::sum(&v).is_nan());
    let mut w = vec![1.0f64; 100_000];
    w[99_999] = f64::INFINITY;
    assert_eq!(reduce::sum(&w), f64::INFINITY);
    // The NaN is the canonical quiet NaN of the output type.
    assert_eq!(
        reduce::sum(&[f32::from_bits(0xffc0_0123)]).to_bits(),
        0x7fc0_0000
    );
}

/// Exact sum of exact products, in units of 2^-2*SCALE... expressed with den = 2^SCALE.
fn exact_products<T: Float>(a: &[T], b: &[T]) -> BigInt {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| units(as_f64(x)) * units(as_f64(y)))
        .sum()
}

/// Reference for products: the value is n / 2^(2*SCALE).
fn reference_products<U: Float>(n: &BigInt, zero_neg: bool) -> U {
    let sign = 1u64 << (U::BITS - 1);
    if n.is_zero() {
        return U::from_bits_u64(if zero_neg { sign } else { 0 });
    }
    let b = BigUint::one() << (2 * SCALE) as usize;
    let bits = round_rational(n.magnitude(), &b, U::EXP_BITS, U::FRAC_BITS);
    U::from_bits_u64(bits | if n.is_negative() { sign } else { 0 })
}

/// Correctly rounded sqrt of n / 2^(2*SCALE), n >= 0, from an integer square root.
fn reference_sqrt<U: Float>(n: &BigInt) -> U {
    if n.is_zero() {
        return U::from_bits_u64(0);
    }
    let k = 80usize;
    let x = n.magnitude() << (2 * k);
    let r = x.sqrt();
    let exact = &r * &r == x;
    // sqrt = (r + theta) / 2^(SCALE + k), 0 <= theta < 1; represent an inexact
    // root by r + 1/2 (it rounds the same way: the quantum is many units).
    let (num, den_exp) = if exact {
        (r, SCALE as usize + k)
    } else {
        (r * 2u32 + 1u32, SCALE as usize + k + 1)
    };
    U::from_bits_u64(round_rational(
        &num,
        &(BigUint::one() << den_exp),
        U::EXP_BITS,
        U::FRAC_BITS,
    ))
}

fn check_products<T: Float>(a: &[T], b: &[T], what: &str) {
    let p = exact_products(a, b);
    let zn = !a.is_empty()
        && a.iter().zip(b).all(|(&x, &y)| {
            let (x, y) = (as_f64(x), as_f64(y));
            x * y == 0.0 && (x * y).is_sign_negative()
        });
    assert_eq!(
        bits(reduce::dot(a, b).unwrap()),
        bits(reference_products::<T>(&p, zn)),
        "{what}: dot in {}",
        T::NAME
    );
    let mut acc = Accumulator::new();
    acc.add_products(a, b).unwrap();
    assert_eq!(
        acc.finish::<f64>().to_bits(),
        reference_products::<f64>(&p, zn).to_bits(),
        "{what}: dot in f64"
    );
    let sq = exact_products(a, a);
    assert_eq!(
        bits(reduce::sum_squares(a)),
        bits(reference_products::<T>(&sq, false)),
        "{what}: sum of squares in {}",
        T::NAME
    );
    assert_eq!(
        bits(reduce::norm2(a)),
        bits(reference_sqrt::<T>(&sq)),
        "{what}: norm in {}",
        T::NAME
    );
    let mut s = Accumulator::new();
    s.add_squares(a);
    assert_eq!(
        s.finish_sqrt::<f64>().to_bits(),
        reference_sqrt::<f64>(&sq).to_bits(),
        "{what}: f64 norm of {}",
        T::NAME
    );
}

#[test]
fn dot_squares_and_norms() {
    let mut r = SplitMix(6);
    for n in [0usize, 1, 2, 3, 100, 5000] {
        let a: Vec<f32> = (0..n).map(|_| r.finite()).collect();
        let b: Vec<f32> = (0..n).map(|_| r.finite()).collect();
        check_products(&a, &b, "random bits f32");
        let a: Vec<f64> = (0..n).map(|_| r.finite()).collect();
        let b: Vec<f64> = (0..n).map(|_| r.finite()).collect();
        check_products(&a, &b, "random bits f64");
        let a: Vec<f16> = (0..n).map(|_| r.finite()).collect();
        let b: Vec<f16> = (0..n).map(|_| r.finite()).collect();
        check_products(&a, &b, "random bits f16");
        let a: Vec<bf16> = (0..n).map(|_| r.finite()).collect();
        let b: Vec<bf16> = (0..n).map(|_| r.finite()).collect();
        check_products(&a, &b, "random bits bf16");
        let u: Vec<f64> = (0..n)
            .map(|_| (r.next() >> 11) as f64 * 2f64.powi(-53) - 0.5)
            .collect();
        check_products(
            &u,
            &u.iter().rev().copied().collect::<Vec<_>>(),
            "uniform f64",
        );
    }
    // Tiny and huge: squares far outside f64 still give exact norms.
    check_products(&[1e-300f64, 1e-300], &[1.0, 1.0], "tiny f64");
    check_products(&[3e300f64, 4e300], &[1.0, 1.0], "huge f64");
    check_products(
        &[f64::from_bits(1), f64::from_bits(3)],
        &[1.0, 1.0],
        "least subnormals",
    );
    assert_eq!(reduce::norm2(&[3e300f64, 4e300]), 5e300);
    assert_eq!(reduce::norm2(&[f32::MAX, f32::MAX]), f32::INFINITY);
    assert_eq!(reduce::norm2::<f32>(&[]).to_bits(), 0);
    // Products with specials follow IEEE multiplication.
    assert!(reduce::dot(&[f32::INFINITY], &[0.0]).unwrap().is_nan());
    assert_eq!(
        reduce::dot(&[f64::INFINITY, 1.0], &[-2.0, 1.0]).unwrap(),
        f64::NEG_INFINITY
    );
    assert_eq!(
        reduce::dot(&[-0.0f64, 0.0], &[1.0, -1.0])
            .unwrap()
            .to_bits(),
        (-0.0f64).to_bits()
    );
    assert_eq!(reduce::dot(&[-0.0f32], &[-1.0]).unwrap().to_bits(), 0);
    // A tiny negative product rounds to -0.0 in f32.
    let t = reduce::dot(&[-1e-30f32], &[1e-30]).unwrap();
    assert_eq!(t.to_bits(), (-0.0f32).to_bits());
    assert!(reduce::dot(&[1.0f32], &[1.0, 2.0]).is_err());
}

#[test]
fn row_sums() {
    let mut r = SplitMix(7);
    for (rows, cols) in [(0usize, 3usize), (1, 1), (5, 7), (33, 1000), (3, 100_000)] {
        let m: Vec<f32> = (0..rows * cols)
            .map(|_| r.finite::<f32>() * 1e-10)
            .collect();
        let got = reduce::sum_rows(&m, cols).unwrap();
        let got64: Vec<f64> = reduce::sum_rows_as(&m, cols).unwrap();
        assert_eq!(got.len(), rows);
        for i in 0..rows {
            let row = &m[i * cols..(i + 1) * cols];
            let s = exact_sum(row);
            assert_eq!(got[i].to_bits(), reference::<f32>(&s, 1, false).to_bits());
            assert_eq!(got64[i].to_bits(), reference::<f64>(&s, 1, false).to_bits());
        }
    }
    assert!(reduce::sum_rows(&[1.0f32; 7], 2).is_err());
    assert!(reduce::sum_rows(&[1.0f32; 7], 0).is_err());
}

#[test]
fn state_bytes_are_checked() {
    let mut a = Accumulator::new();
    a.add_slice(&[1.5f64, -1e300, 2e-310, f64::INFINITY]);
    let good = a.to_bytes();
    let back = Accumulator::from_bytes(&good).unwrap();
    assert_eq!(back, a);
    assert!(back.finish::<f64>().is_infinite());
    // Empty and negative states round trip too.
    for xs in [&[][..], &[-3.0f64][..], &[-0.0f64][..]] {
        let mut s = Accumulator::new();
        s.add_slice(xs);
        let b = s.to_bytes();
        let t = Accumulator::from_bytes(&b).unwrap();
        assert_eq!(t.to_bytes(), b);
        assert_eq!(t.finish::<f64>().to_bits(), s.finish::<f64>().to_bits());
    }
    // Truncated, extended, wrong magic/version/flags/sign, non-canonical.
    let mut bad: Vec<Vec<u8>> = vec![
        good[..good.len() - 1].to_vec(),
        [good.clone(), vec![0]].concat(),
        vec![],
    ];
    for (i, v) in [
        (0usize, b'X'),
        (8, 2),
        (10, 0x10),
        (11, 2),
        (20, 0xff),
        (22, 0),
    ] {
        let mut c = good.clone();
        c[i] = v;
        bad.push(c);
    }
    let mut nc = good.clone();
    let n = nc.len();
    nc[n - 4..].copy_from_slice(&[0, 0, 0, 0]); // top digit zero
    bad.push(nc);
    // A magnitude no single term can make (2^2080 from 1 term).
    let mut forged = good[..24].to_vec();
    forged[10] = 8;
    forged[11] = 0;
    forged[12..20].copy_from_slice(&1u64.to_le_bytes());
    forged[20..24].copy_from_slice(&[133, 0, 1, 0]);
    forged.extend_from_slice(&1u32.to_le_bytes());
    bad.push(forged.clone());
    forged[12..20].copy_from_slice(&(1u64 << 40).to_le_bytes());
    assert!(
        Accumulator::from_bytes(&forged).is_ok(),
        "2^40 terms can make it"
    );
    for b in &bad {
        assert!(Accumulator::from_bytes(b).is_err(), "accepted {b:?}");
    }
    // Random damage never panics.
    let mut r = SplitMix(8);
    for _ in 0..20_000 {
        let mut c = good.clone();
        let i = r.below(c.len());
        c[i] ^= 1 << r.below(8);
        let _ = Accumulator::from_bytes(&c);
        let len = r.below(60);
        let junk: Vec<u8> = (0..len).map(|_| r.next() as u8).collect();
        let _ = Accumulator::from_bytes(&[&good[..8], &junk[..]].concat());
    }
}

#[test]
fn binned_and_term_by_term_states_agree() {
    // Random encodings, NaNs and infinities included: the binned hot loop and
    // adding one term at a time give equal states (value, count and flags).
    fn agree<T: Float>(r: &mut SplitMix, n: usize) {
        let xs: Vec<T> = (0..n)
            .map(|_| T::from_bits_u64(r.next() >> (64 - T::BITS)))
            .collect();
        let mut binned = Accumulator::new();
        binned.add_slice(&xs);
        let mut single = Accumulator::new();
        for &x in &xs {
            single.add(x);
        }
        assert_eq!(binned, single, "{}", T::NAME);
        assert_eq!(binned.to_bytes(), single.to_bytes());
    }
    let mut r = SplitMix(10);
    agree::<f16>(&mut r, 5000);
    agree::<bf16>(&mut r, 5000);
    agree::<f32>(&mut r, 5000);
    agree::<f64>(&mut r, 20_000);
}

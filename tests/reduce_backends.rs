//! Every CPU backend's exact sum gives the definition's state: the same
//! bytes (value, count, flags) as adding the terms one at a time with
//! `Accumulator::add`, for adversarial data (wide exponent spreads,
//! subnormals, ±0, infinities and NaNs anywhere, exact cancellation, huge
//! and tiny terms together, data on the edges of the chunked sums' exactness
//! conditions), every length around the chunk and vector sizes, unaligned
//! slices, 2^24 + 1 terms, and any number of threads. Boundary data is also
//! checked against the independent big-integer reference.
#[path = "common/bigref.rs"]
mod bigref;
mod common;
use cbrng::CpuBackend;
use cbrng::reduce::{self, Accumulator, Float};
use common::SplitMix;
use half::{bf16, f16};

/// Backends this machine runs (the scalar one first); prints which are
/// skipped. `CBRNG_REQUIRE_<NAME>=1` makes a missing backend a failure.
fn backends() -> Vec<CpuBackend> {
    static ONCE: std::sync::OnceLock<Vec<CpuBackend>> = std::sync::OnceLock::new();
    ONCE.get_or_init(find_backends).clone()
}

fn find_backends() -> Vec<CpuBackend> {
    CpuBackend::ALL
        .into_iter()
        .filter(|&b| {
            let ok = b.is_available();
            let var = format!("CBRNG_REQUIRE_{}", b.name().to_ascii_uppercase());
            if !ok {
                assert!(
                    std::env::var(&var).as_deref() != Ok("1"),
                    "{var}=1 but CPU backend {b} is not available on this machine"
                );
                let _ = std::io::Write::write_fmt(
                    &mut std::io::stderr(),
                    format_args!("note: CPU backend {b} not available; not tested\n"),
                );
            }
            ok
        })
        .collect()
}

/// The definition: one term at a time.
fn term_by_term<T: Float>(xs: &[T]) -> Accumulator {
    let mut a = Accumulator::new();
    for &x in xs {
        a.add(x);
    }
    a
}

/// Every backend's state for `xs` has the definition's bytes and results.
fn same<T: Float>(xs: &[T], what: &str) {
    let def = term_by_term(xs);
    let want = def.to_bytes();
    for be in backends() {
        let mut a = Accumulator::new();
        a.add_slice_with(xs, be).expect("available backend");
        assert_eq!(
            a.to_bytes(),
            want,
            "{what}: backend {be}, {} terms of {}",
            xs.len(),
            T::NAME
        );
        assert_eq!(a, def);
        assert_eq!(
            a.finish::<T>().to_bits_u64(),
            def.finish::<T>().to_bits_u64()
        );
        assert_eq!(
            a.finish::<f64>().to_bits(),
            def.finish::<f64>().to_bits(),
            "{what}: {be}"
        );
    }
}

/// Test formats: conversion from f64 (rounded).
trait Fmt: Float {
    fn of(x: f64) -> Self;
}
impl Fmt for f32 {
    fn of(x: f64) -> Self {
        x as f32
    }
}
impl Fmt for f64 {
    fn of(x: f64) -> Self {
        x
    }
}
impl Fmt for f16 {
    fn of(x: f64) -> Self {
        f16::from_f64(x)
    }
}
impl Fmt for bf16 {
    fn of(x: f64) -> Self {
        bf16::from_f64(x)
    }
}

const KINDS: [&str; 8] = [
    "uniform",
    "normal",
    "spread",
    "bits",
    "subnormal",
    "zeros",
    "negzeros",
    "cancel",
];

impl SplitMix {
    /// Uniform in (-1, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 * 2f64.powi(-53) * 2.0 - 1.0
    }
    fn term<T: Fmt>(&mut self, kind: &str) -> T {
        let mask = |bits: u32| (1u64 << bits) - 1;
        match kind {
            "uniform" => T::of(self.uniform()),
            // Bell-shaped, and now and then a tiny term (a wide chunk).
            "normal" => {
                let x: f64 = (0..4).map(|_| self.uniform()).sum();
                if self.next().is_multiple_of(500) {
                    T::of(x * 1e-12)
                } else {
                    T::of(x)
                }
            }
            // Every finite exponent equally likely.
            "spread" => loop {
                let b = self.next() >> (64 - T::BITS);
                if (b >> T::FRAC_BITS) & mask(T::EXP_BITS) != mask(T::EXP_BITS) {
                    return T::from_bits_u64(b);
                }
            },
            // Random encodings: infinities and NaNs too.
            "bits" => T::from_bits_u64(self.next() >> (64 - T::BITS)),
            // Subnormals, ±0 and the smallest normals.
            "subnormal" => {
                let b = self.next();
                T::from_bits_u64(
                    (b >> 63 << (T::BITS - 1))
                        | ((b >> 8) & mask(T::FRAC_BITS + u32::from(b & 7 == 0))),
                )
            }
            "zeros" => T::from_bits_u64((self.next() >> 63) << (T::BITS - 1)),
            "negzeros" => T::from_bits_u64(1 << (T::BITS - 1)),
            _ => unreachable!(),
        }
    }
    fn data<T: Fmt>(&mut self, kind: &str, n: usize) -> Vec<T> {
        if kind == "cancel" {
            // Terms and their negations, shuffled: the exact sum is 0.
            let half: Vec<T> = (0..n / 2).map(|_| self.term::<T>("spread")).collect();
            let neg = |x: T| T::from_bits_u64(x.to_bits_u64() ^ (1 << (T::BITS - 1)));
            let mut v: Vec<T> = half
                .iter()
                .copied()
                .chain(half.iter().map(|&x| neg(x)))
                .collect();
            if n % 2 == 1 {
                v.push(T::of(0.0));
            }
            for i in (1..v.len()).rev() {
                v.swap(i, (self.next() % (i as u64 + 1)) as usize);
            }
            return v;
        }
        (0..n).map(|_| self.term(kind)).collect()
    }
}

const LENGTHS: [usize; 27] = [
    0, 1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 511, 512, 513, 1023, 1024, 1025, 2047, 2049,
    3000, 8191, 8192, 8193, 20_000,
];

fn every_kind_and_length<T: Fmt>(seed: u64) {
    let mut r = SplitMix(seed);
    for kind in KINDS {
        for n in LENGTHS {
            // Offsets 0..3 from the vector's start: unaligned slices.
            let v: Vec<T> = r.data(kind, n + 3);
            let off = n % 4;
            let xs = &v[off.min(3)..off.min(3) + n];
            same(xs, &format!("{kind}, offset {off}"));
        }
    }
}

#[test]
fn f32_every_kind_and_length() {
    every_kind_and_length::<f32>(1);
}

#[test]
fn f64_every_kind_and_length() {
    every_kind_and_length::<f64>(2);
}

#[test]
fn f16_and_bf16_every_kind() {
    // These formats always go through the bins; the backends still agree.
    let mut r = SplitMix(3);
    for kind in KINDS {
        for n in [0, 1, 33, 1025, 9000] {
            same::<f16>(&r.data(kind, n), kind);
            same::<bf16>(&r.data(kind, n), kind);
        }
    }
}

#[test]
fn unaligned_starts_and_ends() {
    let mut r = SplitMix(4);
    let v32: Vec<f32> = r.data("normal", 5000);
    let v64: Vec<f64> = r.data("normal", 5000);
    for a in 0..17 {
        for b in [0, 1, 5, 15, 16, 17, 1023] {
            same(&v32[a..v32.len() - b], "f32 window");
            same(&v64[a..v64.len() - b], "f64 window");
        }
    }
}

/// Checks `xs` against the big-integer reference too.
fn same_and_exact<T: Float>(xs: &[T], what: &str) {
    same(xs, what);
    let s = bigref::exact_sum(xs);
    let neg_zero = !xs.is_empty() && xs.iter().all(|&x| x.to_bits_u64() == 1 << (T::BITS - 1));
    let mut a = Accumulator::new();
    a.add_slice_with(xs, CpuBackend::best_available())
        .expect("available");
    assert_eq!(
        a.finish::<f64>().to_bits(),
        bigref::reference::<f64>(&s, 1, neg_zero).to_bits(),
        "{what}: against the reference"
    );
    assert_eq!(
        a.finish::<T>().to_bits_u64(),
        bigref::reference::<T>(&s, 1, neg_zero).to_bits_u64(),
        "{what}: against the reference"
    );
}

#[test]
fn f32_window_edges() {
    // A chunk of 1024 terms at the top of binade `e` with every fraction bit
    // set (the largest sum a window allows), plus one term `d` binades lower
    // with only its last bit set: d = 19 is inside the window (summed in
    // f64), d = 20 and beyond are outside (the bins). All must be exact.
    for e in [1u32, 2, 20, 21, 100, 127, 200, 254] {
        for d in [0u32, 1, 18, 19, 20, 21, 40, 59, 60, 61, 62, 100] {
            for sign in [0u32, 1] {
                let top = f32::from_bits((sign << 31) | (e << 23) | 0x7f_ffff);
                let mut xs = vec![top; 1023];
                let low = e.saturating_sub(d);
                // The last bit of binade `low` (a subnormal's when low = 0).
                xs.push(f32::from_bits((low << 23) | 1));
                for n in [1024, 1000] {
                    same_and_exact(&xs[1024 - n..], &format!("f32 e={e} d={d} sign={sign}"));
                }
                // The same chunk, then a second chunk, then a tail.
                let mut ys = xs.clone();
                ys.extend(xs.iter().map(|&x| -x));
                ys.extend_from_slice(&xs[..77]);
                same_and_exact(&ys, &format!("f32 e={e} d={d} two chunks"));
            }
        }
    }
}

#[test]
fn f64_extraction_edges() {
    // Terms with every fraction bit set at the top of binade `e`, and terms
    // `d` binades lower with their last bit set: two extraction levels take
    // them whole up to about d = 31, beyond they go to the bins. Also the
    // largest binades (σ = 2^k must be finite) and subnormals.
    for e in [1u64, 2, 40, 1000, 2000, 2033, 2034, 2035, 2046] {
        for d in [0u64, 1, 30, 31, 32, 33, 60, 80, 200] {
            let top = f64::from_bits((e << 52) | ((1 << 52) - 1));
            let low = f64::from_bits((e.saturating_sub(d) << 52) | 1);
            let mut xs = vec![top; 1023];
            xs.push(low);
            same_and_exact(&xs, &format!("f64 e={e} d={d}"));
            // Mixed signs, ties of σ + p: p an odd multiple of half a unit.
            let mut ys: Vec<f64> = (0..1024)
                .map(|i| {
                    let m = (1u64 << 52) | ((i as u64 * 0x9e37_79b9) & ((1 << 52) - 1)) | 1;
                    let s = if i % 3 == 0 { 1u64 << 63 } else { 0 };
                    f64::from_bits(
                        s | (e.saturating_sub(i as u64 % (d + 1)) << 52) | (m & ((1 << 52) - 1)),
                    )
                })
                .collect();
            ys.push(low);
            same_and_exact(&ys, &format!("f64 e={e} d={d} mixed"));
        }
    }
}

#[test]
fn f64_level_sums_at_their_bound() {
    // 1024 terms of one sign with random fractions in one binade: the level
    // sums come near their bound 2^k (one bit less headroom, and they would
    // round). Negative terms make σ + p fall below σ, where the unit is
    // finest.
    let mut r = SplitMix(9);
    for e in [1u64, 3, 1023, 1500, 2034] {
        for sign in [0u64, 1 << 63] {
            let xs: Vec<f64> = (0..1024)
                .map(|_| f64::from_bits(sign | (e << 52) | (r.next() >> 12)))
                .collect();
            same_and_exact(&xs, &format!("f64 binade {e}, sign {sign:x}"));
            // And a term of a lower binade, for the second level.
            let mut ys = xs.clone();
            ys[500] = f64::from_bits(sign | ((e - 1).max(1) << 52) | (r.next() >> 12));
            ys[501] = f64::from_bits(sign | (e.saturating_sub(20) << 52) | (r.next() >> 12));
            same_and_exact(&ys, &format!("f64 binade {e}, sign {sign:x}, lower terms"));
        }
    }
}

#[test]
fn specials_anywhere() {
    fn go<T: Fmt>() {
        let mut r = SplitMix(5);
        let nan = T::from_bits_u64(((1 << (T::EXP_BITS + 1)) - 1) << (T::FRAC_BITS - 1));
        let inf = T::from_bits_u64(((1 << T::EXP_BITS) - 1) << T::FRAC_BITS);
        let ninf = T::from_bits_u64(inf.to_bits_u64() | 1 << (T::BITS - 1));
        let negz = T::from_bits_u64(1 << (T::BITS - 1));
        for n in [5, 1024, 3000, 20_000] {
            for base in ["uniform", "negzeros", "spread"] {
                let v: Vec<T> = r.data(base, n);
                for set in [
                    &[inf][..],
                    &[ninf],
                    &[nan],
                    &[inf, ninf],
                    &[nan, inf],
                    &[negz],
                ] {
                    for at in [0, n / 2, n - 1] {
                        let mut w = v.clone();
                        for (j, &s) in set.iter().enumerate() {
                            let i = (at + j * 1100) % n;
                            w[i] = s;
                        }
                        same(&w, &format!("{base} with specials at {at}"));
                    }
                }
            }
        }
        // Long runs of one special, and only -0.0 but one +0.0.
        for s in [inf, ninf, nan, negz] {
            same(&[s; 9000], "one special");
        }
        let mut z = vec![negz; 9000];
        same(&z, "all -0.0");
        z[8999] = T::of(0.0);
        same(&z, "-0.0 and one +0.0");
    }
    go::<f32>();
    go::<f64>();
}

/// The chunked sums back off to the bins after a few chunks in a row that
/// they cannot take (a doubling number of chunks between two tries) and come
/// back when the data allows: runs of wide chunks and plain ones around
/// each step of the back-off, a probe that fails, a run long enough to reach
/// the longest back-off, specials inside a back-off run, and ends in the
/// middle of a chunk. Every state is the definition's.
#[test]
fn back_off_and_recovery() {
    fn go<T: Fmt>() {
        let mut r = SplitMix(11);
        const C: usize = 1024;
        let nan = T::from_bits_u64(((1 << (T::EXP_BITS + 1)) - 1) << (T::FRAC_BITS - 1));
        let inf = T::from_bits_u64(((1 << T::EXP_BITS) - 1) << T::FRAC_BITS);
        let plans: [&[(&str, usize)]; 7] = [
            &[("spread", 3), ("uniform", 2), ("spread", 5), ("uniform", 1)],
            &[("spread", 4), ("uniform", 40)],
            &[("spread", 20), ("uniform", 3), ("spread", 30)],
            &[("spread", 21), ("uniform", 3)],
            &[("spread", 60), ("uniform", 70), ("spread", 9)],
            &[("uniform", 5), ("spread", 2100), ("uniform", 9)],
            &[("cancel", 50), ("normal", 30)],
        ];
        for (p, plan) in plans.iter().enumerate() {
            let mut v: Vec<T> = Vec::new();
            for &(kind, chunks) in plan.iter() {
                v.extend(r.data::<T>(kind, chunks * C));
            }
            for tail in [0, 517] {
                let mut w = v.clone();
                w.extend(r.data::<T>("spread", tail));
                same(&w, &format!("plan {p}, tail {tail}"));
                if w.len() > 12 * C {
                    // Specials inside the first back-off run, and one later.
                    for (at, s) in [(5 * C + 7, inf), (11 * C, nan)] {
                        let mut z = w.clone();
                        z[at] = s;
                        same(&z, &format!("plan {p}, tail {tail}, special at {at}"));
                    }
                }
            }
        }
    }
    go::<f32>();
    go::<f64>();
}

#[test]
fn exact_cancellation_and_huge_with_tiny() {
    let mut r = SplitMix(6);
    let v: Vec<f32> = r.data("cancel", 50_000);
    same_and_exact(&v, "f32 cancellation");
    let w: Vec<f64> = r.data("cancel", 50_000);
    same_and_exact(&w, "f64 cancellation");
    let mut big32 = vec![f32::MAX, -f32::MAX, f32::MAX, 1e-45, -1e-45, 3.0];
    big32.extend((0..4000).map(|i| if i % 2 == 0 { f32::MAX } else { -f32::MAX }));
    big32.push(f32::from_bits(1));
    same_and_exact(&big32, "f32 huge and tiny");
    let mut big64 = vec![f64::MAX; 1500];
    big64.extend(vec![-f64::MAX; 1500]);
    big64.extend([1e-320, 2f64.powi(1011), -2f64.powi(1012), 5e-324]);
    same_and_exact(&big64, "f64 huge and tiny");
}

#[test]
fn two_to_the_24_plus_one_terms() {
    let mut r = SplitMix(7);
    let n = (1 << 24) + 1;
    let v: Vec<f32> = r.data("normal", n);
    same(&v, "2^24 + 1 f32");
    let w: Vec<f64> = r.data("uniform", (1 << 22) + 1);
    same(&w, "2^22 + 1 f64");
}

#[test]
fn threads_and_shards_agree() {
    let mut r = SplitMix(8);
    for kind in ["normal", "spread", "bits"] {
        let v: Vec<f32> = r.data(kind, 3_000_001);
        let w: Vec<f64> = r.data(kind, 1_500_001);
        let (dv, dw) = (term_by_term(&v).to_bytes(), term_by_term(&w).to_bytes());
        for t in [1, 2, 3, 7] {
            let mut a = Accumulator::new();
            a.add_slice_threads(&v, t);
            assert_eq!(a.to_bytes(), dv, "{kind} f32, {t} threads");
            let mut b = Accumulator::new();
            b.add_slice_threads(&w, t);
            assert_eq!(b.to_bytes(), dw, "{kind} f64, {t} threads");
        }
        assert_eq!(
            reduce::sum(&v).to_bits(),
            term_by_term(&v).finish::<f32>().to_bits()
        );
    }
}

#[test]
fn unavailable_backend_is_an_error() {
    for be in CpuBackend::ALL {
        let mut a = Accumulator::new();
        let r = a.add_slice_with(&[1.0f32], be);
        assert_eq!(r.is_ok(), be.is_available(), "{be}");
        if let Err(e) = r {
            assert!(e.to_string().contains("not available"), "{e}");
            assert_eq!(a.count(), 0);
        }
    }
}

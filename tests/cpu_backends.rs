//! Every CPU backend this machine has gives the scalar definition's bits, and
//! a fill's bytes do not depend on the number of threads.
//!
//! The scalar backend is the reference (the contract vectors pin it); each
//! other available backend is compared with it on random keys, stream ids,
//! offsets and lengths, for every generator and every (distribution, dtype).
mod common;
use cbrng::check;
use cbrng::dist::{DType, Distribution, OutSlice, Prepared};
use cbrng::rng::{Philox4x32Rng, Threefry2x64Rng, Threefry4x32Rng};
use cbrng::{Algorithm, CpuBackend, CpuOptions, Key, Stream};
use common::SplitMix;
use half::{bf16, f16};
use rand_core::{Rng, SeedableRng};

impl SplitMix {
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn opts(be: CpuBackend, threads: usize) -> CpuOptions {
    CpuOptions::auto()
        .with_backend(be)
        .and_then(|o| o.with_threads(threads))
        .expect("available backend, threads >= 1")
}

/// Backends to compare with the scalar one; prints which are skipped. A
/// backend this CPU lacks fails the test instead when its `CBRNG_REQUIRE_*`
/// variable is 1 (`CBRNG_REQUIRE_AVX512`, `CBRNG_REQUIRE_AVX2`,
/// `CBRNG_REQUIRE_NEON`), so a machine that should run it cannot skip it.
fn other_backends() -> Vec<CpuBackend> {
    CpuBackend::ALL
        .into_iter()
        .filter(|&b| b != CpuBackend::Scalar)
        .filter(|&b| {
            let ok = b.is_available();
            let var = format!("CBRNG_REQUIRE_{}", b.name().to_ascii_uppercase());
            if !ok {
                assert!(
                    std::env::var(&var).as_deref() != Ok("1"),
                    "{var}=1 but CPU backend {b} is not available on this machine"
                );
                // Straight to stderr: the test harness captures eprintln!.
                let _ = std::io::Write::write_fmt(
                    &mut std::io::stderr(),
                    format_args!(
                        "note: CPU backend {b} not available on this machine; not tested\n"
                    ),
                );
            }
            ok
        })
        .collect()
}

/// The bytes of elements `[offset, offset + n)` of a prepared distribution.
fn fill_bytes(s: &Stream, o: &CpuOptions, p: &Prepared, offset: u64, n: usize) -> Vec<u8> {
    fn go<T: bytemuck::NoUninit + Default>(
        n: usize,
        wrap: impl FnOnce(&mut [T]) -> Result<(), cbrng::Error>,
    ) -> Vec<u8> {
        let mut v = vec![T::default(); n];
        wrap(&mut v).expect("range checked by the caller");
        bytemuck::cast_slice(&v).to_vec()
    }
    let f = |out: OutSlice<'_>| s.fill_prepared_with(o, p, offset.into(), out);
    match p.dtype {
        DType::U32 => go::<u32>(n, |v| f(OutSlice::U32(v))),
        DType::U64 => go::<u64>(n, |v| f(OutSlice::U64(v))),
        DType::F32 => go::<f32>(n, |v| f(OutSlice::F32(v))),
        DType::F64 => go::<f64>(n, |v| f(OutSlice::F64(v))),
        DType::F16 => go::<f16>(n, |v| f(OutSlice::F16(v))),
        DType::BF16 => go::<bf16>(n, |v| f(OutSlice::BF16(v))),
        DType::U8 => go::<u8>(n, |v| f(OutSlice::U8(v))),
        DType::I32 => go::<i32>(n, |v| f(OutSlice::I32(v))),
        DType::I64 => go::<i64>(n, |v| f(OutSlice::I64(v))),
        DType::Bool => go::<bool>(n, |v| f(OutSlice::Bool(v))),
    }
}

/// A random key and stream id valid for `algo`.
fn random_stream(algo: Algorithm, g: &mut SplitMix) -> Stream {
    let bits = algo.shape().word_bits();
    let words: Vec<u64> = (0..algo.key_words())
        .map(|_| if bits == 32 { g.next() >> 32 } else { g.next() })
        .collect();
    let key = Key::from_words(algo, &words).expect("words fit");
    let id = match algo.shape().words() * bits as usize {
        64 => g.next() >> 32, // 2x32: stream ids < 2^32
        _ => g.next(),
    };
    Stream::new(algo, key, id).expect("valid stream")
}

/// Every generator of the self-check plus extreme round counts.
fn generators() -> Vec<Algorithm> {
    let mut v = check::algorithms();
    for name in [
        "philox2x32-1",
        "philox4x32-3",
        "philox4x64-255",
        "philox4x64-1",
        "philox2x64-3",
        "threefry2x32-1",
        "threefry4x32-5",
        "threefry2x64-255",
        "threefry4x64-3",
        "threefry4x32-255",
    ] {
        v.push(name.parse().expect("valid name"));
    }
    v
}

const LENGTHS: &[usize] = &[
    0, 1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 129, 1000, 4099,
];

#[test]
fn u32_and_u64_views_equal_scalar() {
    let others = other_backends();
    let mut g = SplitMix(11);
    let scalar = opts(CpuBackend::Scalar, 1);
    for algo in generators() {
        // One random stream per generator in a debug build, four in release.
        for _ in 0..if cfg!(debug_assertions) { 1 } else { 4 } {
            let s = random_stream(algo, &mut g);
            for &n in LENGTHS {
                // Aligned, unaligned, and near 2^32 / 2^34 blocks.
                // (u64 view length bounds both views; 2x32 streams are short.)
                let room = (cbrng::stream::stream_len_u32(algo.shape()) / 2 - n as u128)
                    .min(1 << 60) as u64;
                for offset in [
                    0,
                    g.below(97),
                    (1 << 34) - 3 - g.below(40),
                    g.below(1 << 40),
                ] {
                    let offset = offset % room;
                    let mut want = vec![0u32; n];
                    s.fill_u32_with(&scalar, offset.into(), &mut want).unwrap();
                    let mut want64 = vec![0u64; n];
                    s.fill_u64_with(&scalar, offset.into(), &mut want64)
                        .unwrap();
                    for &be in &others {
                        let mut got = vec![0u32; n];
                        s.fill_u32_with(&opts(be, 1), offset.into(), &mut got)
                            .unwrap();
                        assert_eq!(got, want, "{algo} {be} u32 offset {offset} n {n} {s:?}");
                        let mut got = vec![0u64; n];
                        s.fill_u64_with(&opts(be, 1), offset.into(), &mut got)
                            .unwrap();
                        assert_eq!(got, want64, "{algo} {be} u64 offset {offset} n {n} {s:?}");
                    }
                }
            }
        }
    }
}

#[test]
fn every_distribution_and_dtype_equals_scalar() {
    let others = other_backends();
    let mut g = SplitMix(12);
    let scalar = opts(CpuBackend::Scalar, 1);
    for algo in generators() {
        let s = random_stream(algo, &mut g);
        for (dist, dtype) in check::distributions() {
            let p = dist.prepare(dtype).expect("valid pair");
            for &n in &[0usize, 1, 9, 33, 100, 777, 5000] {
                let room = (s.len_of(&p) - n as u128).min(1 << 36) as u64;
                let offset = if g.below(2) == 0 { 0 } else { g.below(room) };
                let want = fill_bytes(&s, &scalar, &p, offset, n);
                for &be in &others {
                    let got = fill_bytes(&s, &opts(be, 1), &p, offset, n);
                    assert!(
                        got == want,
                        "{algo} {dist:?} {dtype} {be}: offset {offset} n {n}"
                    );
                }
            }
        }
    }
}

/// The gamma f32 fill holds the elements attempt 0 rejects and retries them
/// in batches, flushed in the middle of a long fill once a batch is nearly
/// full (256): a long fill must equal the same elements filled as short
/// slices (under 128 elements, each retried in one batch of its own), and
/// every backend the scalar one, with and without the boost (K < 1) and
/// across a Threefry generator (u64-word blocks).
#[test]
fn gamma_f32_long_fills_equal_short_slices() {
    let n = 30_000usize;
    let offset = 12_345u64;
    let mut backends = vec![CpuBackend::Scalar];
    backends.extend(other_backends());
    for algo in [Algorithm::PHILOX4X32_10, Algorithm::THREEFRY4X64_20] {
        let s = Stream::from_seed(algo, 5, 3).unwrap();
        for d in [
            Distribution::Gamma { k: 2.0, theta: 1.5 },
            Distribution::Gamma { k: 0.3, theta: 1.0 },
            Distribution::ChiSquared { k: 2.5 },
        ] {
            let p = d.prepare(DType::F32).unwrap();
            let want = fill_bytes(&s, &opts(CpuBackend::Scalar, 1), &p, offset, n);
            for &be in &backends {
                let o = opts(be, 1);
                assert!(fill_bytes(&s, &o, &p, offset, n) == want, "{algo} {d} {be}");
                let mut short = Vec::with_capacity(want.len());
                for start in (0..n).step_by(97) {
                    let len = 97.min(n - start);
                    short.extend(fill_bytes(&s, &o, &p, offset + start as u64, len));
                }
                assert!(short == want, "{algo} {d} {be}: short slices");
            }
        }
    }
}

/// The normal f32 kernel has its own arithmetic (not just block functions):
/// a few million deviates, including the many-tail-lanes case, must match.
/// Samples per normal_f32 case: 2^21, 2^17 in a debug build (whose scalar
/// normal is slow enough to make 2^21 take a minute).
const MANY: usize = if cfg!(debug_assertions) {
    1 << 17
} else {
    1 << 21
};

#[test]
fn normal_f32_many_samples_equal_scalar() {
    let others = other_backends();
    let scalar = opts(CpuBackend::Scalar, 1);
    for (seed, mean, std) in [(1u64, 0.0, 1.0), (2, -3.5, 0.25), (3, 1e6, 1e-3)] {
        let s = Stream::from_seed(Algorithm::PHILOX4X32_10, seed, seed).unwrap();
        let d = Distribution::Normal { mean, std };
        let mut want = vec![0f32; MANY];
        s.fill_with(&scalar, &d, 5, &mut want).unwrap();
        for &be in &others {
            let mut got = vec![0f32; MANY];
            s.fill_with(&opts(be, 1), &d, 5, &mut got).unwrap();
            let first = got
                .iter()
                .zip(&want)
                .position(|(a, b)| a.to_bits() != b.to_bits());
            assert_eq!(first, None, "{be} mean {mean} std {std}");
        }
    }
}

/// 1, 2, 3 and 8 threads give the same bytes (buffers large enough that
/// every thread gets a part).
#[test]
fn thread_count_does_not_change_the_bytes() {
    let mut g = SplitMix(13);
    let n_bytes = 3 * (8 * cbrng::cpu::MIN_PART_BYTES) / 2 + 12;
    for algo in [
        "philox4x32-10",
        "threefry2x64-20",
        "philox2x32-10",
        "philox4x64-10",
    ] {
        let algo: Algorithm = algo.parse().unwrap();
        let s = random_stream(algo, &mut g);
        for (dist, dtype) in [
            (Distribution::Bits, DType::U32),
            (Distribution::Bits, DType::U64),
            (Distribution::STANDARD_NORMAL, DType::F32),
            (Distribution::Uniform, DType::BF16),
            (Distribution::Bernoulli { p: 0.25 }, DType::U8),
            (Distribution::Bernoulli { p: 0.25 }, DType::Bool),
            (Distribution::Int { lo: -9, hi: 9 }, DType::I64),
            // rejection samplers (attempt space, batched retries)
            (Distribution::Gamma { k: 2.0, theta: 1.0 }, DType::F32),
            (Distribution::Poisson { lambda: 30.0 }, DType::U32),
        ] {
            let p = dist.prepare(dtype).unwrap();
            let size = match dtype {
                DType::U8 | DType::Bool => 1,
                DType::BF16 | DType::F16 => 2,
                DType::U32 | DType::F32 | DType::I32 => 4,
                DType::U64 | DType::F64 | DType::I64 => 8,
            };
            let n = n_bytes / size;
            let offset = 1 + g.below(1 << 20);
            let want = fill_bytes(&s, &opts(CpuBackend::Scalar, 1), &p, offset, n);
            for threads in [1, 2, 3, 8] {
                for be in CpuBackend::ALL.into_iter().filter(|b| b.is_available()) {
                    let got = fill_bytes(&s, &opts(be, threads), &p, offset, n);
                    assert!(
                        got == want,
                        "{algo} {dist:?} {dtype}: {be}, {threads} threads"
                    );
                }
            }
        }
    }
}

/// The rand_core adapters make blocks through the backends too.
#[test]
fn rng_streams_equal_across_backends() {
    fn check<R: Rng + Clone>(a: R, b: R) {
        let (mut a1, mut b1) = (a.clone(), b.clone());
        for _ in 0..1000 {
            assert_eq!(a1.next_u32(), b1.next_u32());
            assert_eq!(a1.next_u64(), b1.next_u64());
        }
        let (mut x, mut y) = (vec![0u8; 100_003], vec![0u8; 100_003]);
        a1.fill_bytes(&mut x);
        b1.fill_bytes(&mut y);
        assert!(x == y);
    }
    for be in other_backends() {
        let scalar = CpuBackend::Scalar;
        let p = Philox4x32Rng::seed_from_u64(9);
        check(
            p.clone().with_cpu_backend(scalar).unwrap(),
            p.with_cpu_backend(be).unwrap(),
        );
        let t = Threefry4x32Rng::seed_from_u64(9);
        check(
            t.clone().with_cpu_backend(scalar).unwrap(),
            t.with_cpu_backend(be).unwrap(),
        );
        let t = Threefry2x64Rng::seed_from_u64(9);
        check(
            t.clone().with_cpu_backend(scalar).unwrap(),
            t.with_cpu_backend(be).unwrap(),
        );
    }
    // And the scalar backend is the contract: the RNG equals the stream.
    let mut r = Philox4x32Rng::seed_from_u64(9)
        .with_cpu_backend(CpuBackend::Scalar)
        .unwrap();
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 9, 0).unwrap();
    let mut want = vec![0u32; 300];
    s.fill_u32(0, &mut want).unwrap();
    let got: Vec<u32> = (0..300).map(|_| r.next_u32()).collect();
    assert_eq!(got, want);
}

#[test]
fn options_reject_bad_values() {
    assert!(CpuOptions::auto().with_threads(0).is_err());
    assert!("sse2".parse::<CpuBackend>().is_err());
    assert!("avx".parse::<CpuBackend>().is_err());
    assert_eq!("AVX2".parse::<CpuBackend>().unwrap(), CpuBackend::Avx2);
    assert_eq!("avx512".parse::<CpuBackend>().unwrap(), CpuBackend::Avx512);
    assert_eq!("Neon".parse::<CpuBackend>().unwrap(), CpuBackend::Neon);
    for b in CpuBackend::ALL {
        assert_eq!(b.name().parse::<CpuBackend>().unwrap(), b);
    }
    // At most one SIMD family per architecture, and the best one is chosen.
    assert!(!(CpuBackend::Neon.is_available() && CpuBackend::Avx2.is_available()));
    assert!(CpuBackend::best_available().is_available());
    if CpuBackend::Avx512.is_available() {
        assert_eq!(CpuBackend::best_available(), CpuBackend::Avx512);
    }
    for b in CpuBackend::ALL {
        assert_eq!(CpuOptions::auto().with_backend(b).is_ok(), b.is_available());
    }
}

/// The word views straight from the definition, element by element: u32
/// element i is half `i mod 2` (low first) of u64 element i/2 of a 64-bit
/// generator, u64 element j joins u32 elements 2j and 2j+1 of a 32-bit one,
/// and u8 element i is byte `i mod 4` of u32 element i/4. The fast views
/// write native words straight into the output where its alignment allows
/// and copy through a buffer where not: both are checked here (outputs at
/// every offset within a word's alignment), on every backend.
#[test]
fn views_equal_their_definition_at_every_alignment() {
    let mut g = SplitMix(14);
    for algo in generators() {
        let s = random_stream(algo, &mut g);
        let wide = algo.shape().word_bits() == 64;
        for be in CpuBackend::ALL.into_iter().filter(|b| b.is_available()) {
            let o = opts(be, 1);
            for &n in &[0usize, 1, 5, 64, 333, 4100] {
                let first = g.below(1 << 20);
                // The native words around the range, from the scalar blocks.
                let mut native32 = vec![0u32; 2 * n + 8];
                let mut native64 = vec![0u64; n + 8];
                let scalar = opts(CpuBackend::Scalar, 1);
                if wide {
                    s.fill_u64_with(&scalar, u128::from(first / 2), &mut native64)
                        .unwrap();
                } else {
                    s.fill_u32_with(&scalar, u128::from(first), &mut native32)
                        .unwrap();
                }
                // u32 view at first (wide: from the u64 words' halves).
                let want32: Vec<u32> = (0..n)
                    .map(|k| {
                        if wide {
                            let e = (first % 2) as usize + k;
                            (native64[e / 2] >> (32 * (e % 2))) as u32
                        } else {
                            native32[k]
                        }
                    })
                    .collect();
                for shift in 0..2 {
                    let mut buf = vec![0u32; n + shift];
                    s.fill_u32_with(&o, u128::from(first), &mut buf[shift..])
                        .unwrap();
                    assert_eq!(
                        buf[shift..],
                        want32[..],
                        "{algo} {be} u32 first {first} n {n}"
                    );
                }
                // u8 view at 4 first + skip: the bytes of the u32 view.
                for skip in 0..4usize {
                    let m = (4 * n).saturating_sub(skip);
                    let want8: Vec<u8> = want32
                        .iter()
                        .flat_map(|w| w.to_le_bytes())
                        .skip(skip)
                        .take(m)
                        .collect();
                    for shift in 0..8 {
                        let mut buf = vec![0u8; m + shift];
                        let p = Distribution::Bits.prepare(DType::U8).unwrap();
                        s.fill_prepared_with(
                            &o,
                            &p,
                            u128::from(4 * first + skip as u64),
                            OutSlice::U8(&mut buf[shift..]),
                        )
                        .unwrap();
                        assert_eq!(
                            buf[shift..],
                            want8[..],
                            "{algo} {be} u8 skip {skip} shift {shift}"
                        );
                    }
                }
                // u64 view of a 32-bit generator at first/2.
                if !wide {
                    let f64_ = first / 2;
                    let mut native = vec![0u32; 2 * n];
                    s.fill_u32_with(&scalar, u128::from(2 * f64_), &mut native)
                        .unwrap();
                    let want: Vec<u64> = native
                        .chunks_exact(2)
                        .map(|p| u64::from(p[0]) | (u64::from(p[1]) << 32))
                        .collect();
                    let mut got = vec![0u64; n];
                    s.fill_u64_with(&o, u128::from(f64_), &mut got).unwrap();
                    assert_eq!(got, want, "{algo} {be} u64 view");
                }
            }
        }
    }
}

/// `fill_bytes` of the rand_core adapters (large requests go straight to the
/// stream's bytes) equals `next_u32` little-endian, from odd and even
/// positions, for a 32-bit and two 64-bit generators.
#[test]
fn rng_fill_bytes_equals_next_u32() {
    fn check<R: Rng + Clone>(r: R) {
        for (pre, len) in [(0usize, 4000usize), (1, 4003), (3, 1021), (2, 9)] {
            let mut a = r.clone();
            let mut b = r.clone();
            for _ in 0..pre {
                a.next_u32();
                b.next_u32();
            }
            let mut got = vec![0u8; len + 1];
            a.fill_bytes(&mut got[1..]);
            let mut want = Vec::new();
            while want.len() < len {
                want.extend(b.next_u32().to_le_bytes());
            }
            assert_eq!(got[1..], want[..len], "pre {pre} len {len}");
            // Both continue from the same position.
            assert_eq!(a.next_u32(), b.next_u32());
        }
    }
    for be in CpuBackend::ALL.into_iter().filter(|b| b.is_available()) {
        check(
            Philox4x32Rng::seed_from_u64(5)
                .with_cpu_backend(be)
                .unwrap(),
        );
        check(
            Threefry2x64Rng::seed_from_u64(5)
                .with_cpu_backend(be)
                .unwrap(),
        );
        check(
            cbrng::rng::Philox4x64Rng::seed_from_u64(5)
                .with_cpu_backend(be)
                .unwrap(),
        );
    }
}

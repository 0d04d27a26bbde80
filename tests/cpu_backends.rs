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

/// Backends to compare with the scalar one; prints which are skipped.
fn other_backends() -> Vec<CpuBackend> {
    CpuBackend::ALL
        .into_iter()
        .filter(|&b| b != CpuBackend::Scalar)
        .filter(|&b| {
            let ok = b.is_available();
            if !ok {
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
    fn go<T: bytemuck::Pod + Default>(
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
    for algo in ["philox4x32-10", "threefry2x64-20", "philox2x32-10"] {
        let algo: Algorithm = algo.parse().unwrap();
        let s = random_stream(algo, &mut g);
        for (dist, dtype) in [
            (Distribution::Bits, DType::U32),
            (Distribution::Bits, DType::U64),
            (Distribution::STANDARD_NORMAL, DType::F32),
            (Distribution::Uniform, DType::BF16),
            (Distribution::Bernoulli { p: 0.25 }, DType::U8),
        ] {
            let p = dist.prepare(dtype).unwrap();
            let size = match dtype {
                DType::U8 => 1,
                DType::BF16 | DType::F16 => 2,
                DType::U32 | DType::F32 => 4,
                DType::U64 | DType::F64 => 8,
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
    assert!("neon".parse::<CpuBackend>().is_err());
    assert_eq!("AVX2".parse::<CpuBackend>().unwrap(), CpuBackend::Avx2);
    for b in CpuBackend::ALL {
        assert_eq!(CpuOptions::auto().with_backend(b).is_ok(), b.is_available());
    }
}

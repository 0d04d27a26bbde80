//! Exact sums against plain `iter().sum()` on the same buffer in the same run.
//! `cargo bench --bench reduce`; throughput is reported in bytes read.
//! `exact_1_thread` is the like-for-like comparison (one thread each);
//! `exact_auto_threads` is what `cbrng::reduce::sum` does on this machine;
//! `exact_scalar` is the scalar backend (the exponent bins), the definition
//! the chunked SIMD sums are tested equal to.
//!
//! Group `sum_2p24` sums 2^24 elements (64 MiB of f32, 128 MiB of f64: out
//! of cache, as in `python/benches/bench.py`) of three kinds of data:
//! `uniform` (uniform in (-1, 1)), `normal`-like (a sum of uniforms, so
//! some terms are tiny), and `spread` (exponents uniform over the whole
//! finite range, signs random: the adversarial case that the chunked sums
//! hand to the bins), and `cancel` (pairs x, -x with a few small terms).
use cbrng::CpuBackend;
use cbrng::reduce::{self, Accumulator, Float};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// Bytes per buffer: 16 MiB, larger than L2 on the machines here.
const BYTES: usize = 16 << 20;
/// Elements of the `sum_2p24` group.
const N: usize = 1 << 24;

fn sums(c: &mut Criterion) {
    let mut g = c.benchmark_group("sum_16MiB");
    g.throughput(Throughput::Bytes(BYTES as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    let f32s: Vec<f32> = (0..BYTES / 4)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 8) as f32 * 2f32.powi(-24) - 0.5)
        .collect();
    let f64s: Vec<f64> = f32s.iter().map(|&x| f64::from(x) * 1e10).collect();

    g.bench_function("f32/iter_sum", |b| {
        b.iter(|| black_box(&f32s).iter().sum::<f32>())
    });
    g.bench_function("f32/exact_1_thread", |b| {
        b.iter(|| {
            let mut a = Accumulator::new();
            a.add_slice(black_box(&f32s));
            a.finish::<f32>()
        })
    });
    g.bench_function("f32/exact_auto_threads", |b| {
        b.iter(|| reduce::sum(black_box(&f32s)))
    });
    g.bench_function("f64/iter_sum", |b| {
        b.iter(|| black_box(&f64s).iter().sum::<f64>())
    });
    g.bench_function("f64/exact_1_thread", |b| {
        b.iter(|| {
            let mut a = Accumulator::new();
            a.add_slice(black_box(&f64s));
            a.finish::<f64>()
        })
    });
    g.bench_function("f64/exact_auto_threads", |b| {
        b.iter(|| reduce::sum(black_box(&f64s)))
    });
    g.finish();
}

/// SplitMix64: the bench's own data, the same on every run.
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in (-1, 1) on a 2^-53 grid.
    fn uniform(&mut self) -> f64 {
        (self.next() >> 10) as f64 * 2f64.powi(-53) * 2.0 - 1.0
    }
}

fn data<T: Float>(kind: &str, from_f64: impl Fn(f64) -> T) -> Vec<T> {
    let mut r = Mix(7);
    let (ebits, fbits) = (T::EXP_BITS, T::FRAC_BITS);
    match kind {
        "uniform" => (0..N).map(|_| from_f64(r.uniform())).collect(),
        // Irwin-Hall(4), centred: bell-shaped, with some terms near zero.
        "normal" => (0..N)
            .map(|_| from_f64((0..4).map(|_| r.uniform()).sum::<f64>() * 0.866))
            .collect(),
        "spread" => (0..N)
            .map(|_| {
                let e = r.next() % ((1 << ebits) - 1); // every finite exponent
                let bits = (r.next() >> 63 << (T::BITS - 1))
                    | (e << fbits)
                    | (r.next() & ((1 << fbits) - 1));
                T::from_bits_u64(bits)
            })
            .collect(),
        // x, then -x two places later, and every 1000th term small.
        "cancel" => {
            let mut v = Vec::with_capacity(N);
            while v.len() < N {
                let x = r.uniform() * 1e6;
                let small = r.uniform() * 1e-6;
                v.extend([from_f64(x), from_f64(small), from_f64(-x)]);
            }
            v.truncate(N);
            v
        }
        _ => unreachable!(),
    }
}

fn big<T: Float + std::iter::Sum<T>>(c: &mut Criterion, from_f64: impl Fn(f64) -> T + Copy) {
    let mut g = c.benchmark_group("sum_2p24");
    g.throughput(Throughput::Bytes((N * (T::BITS as usize / 8)) as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    for kind in ["uniform", "normal", "spread", "cancel"] {
        let xs = data::<T>(kind, from_f64);
        for (name, be) in [
            ("exact_1_thread", CpuBackend::default_for_process()),
            ("exact_scalar", CpuBackend::Scalar),
        ] {
            g.bench_function(format!("{}/{kind}/{name}", T::NAME), |b| {
                b.iter(|| {
                    let mut a = Accumulator::new();
                    a.add_slice_with(black_box(&xs), be).expect("available");
                    a.finish::<T>()
                })
            });
        }
        if kind == "uniform" {
            g.bench_function(format!("{}/{kind}/iter_sum", T::NAME), |b| {
                b.iter(|| black_box(&xs).iter().copied().sum::<T>())
            });
        }
    }
    g.finish();
}

fn sums_2p24(c: &mut Criterion) {
    big::<f32>(c, |x| x as f32);
    big::<f64>(c, |x| x);
}

criterion_group!(benches, sums, sums_2p24);
criterion_main!(benches);

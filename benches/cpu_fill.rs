//! Bulk CPU fills of 64 MiB per generator and distribution, with the
//! baselines measured in the same run on the same buffer size: rand's StdRng
//! (ChaCha12, SIMD) and SmallRng (xoshiro) `fill_bytes`.
//!
//! `cargo bench --bench cpu_fill`; throughput is in bytes written. Rows:
//! - `baseline/*`: rand's generators.
//! - `rng/*`: cbrng's rand_core adapter (`fill_bytes`, `next_u64` in a loop).
//! - `<algo>/<dist>/<backend>`: one thread, the named CPU backend.
//! - `<algo>/<dist>/threads=N`: the best backend on N threads.
//! - `<algo>/u64/<backend>` for the 64-bit generators: the native word, to
//!   compare the u32 view with; `philox4x64-10/u64/scalar` is the path every
//!   backend took before the AVX-512 kernel (the issue 17 baseline).
//!
//! NumPy's Philox is measured by `benches/numpy_philox.py` (same sizes).
//! Set `CBRNG_BENCH_QUICK=1` for a short run (fewer rows).
use cbrng::dist::{Distribution, Element};
use cbrng::dropout::Dropout;
use cbrng::{Algorithm, CpuBackend, CpuOptions, Stream};
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::{SmallRng, StdRng};
use rand_core::Rng;
use std::hint::black_box;
use std::time::Duration;

/// Bytes per fill: 64 MiB, far beyond the caches, as the issue asks.
const BYTES: usize = 64 << 20;

fn row<T: Element + Copy + Default>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: String,
    s: &Stream,
    opts: &CpuOptions,
    dist: &Distribution,
) {
    let mut buf = vec![T::default(); BYTES / std::mem::size_of::<T>()];
    g.bench_function(name, |b| {
        b.iter(|| s.fill_with(opts, dist, 0, black_box(&mut buf)).unwrap())
    });
}

fn fills(c: &mut Criterion) {
    let quick = std::env::var_os("CBRNG_BENCH_QUICK").is_some();
    let mut g = c.benchmark_group("fill_64MiB");
    g.throughput(Throughput::Bytes(BYTES as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(if quick { 1 } else { 2 }));

    let mut bytes = vec![0u8; BYTES];
    let mut std_rng = StdRng::seed_from_u64(1);
    g.bench_function("baseline/StdRng_fill_bytes", |b| {
        b.iter(|| std_rng.fill_bytes(black_box(&mut bytes)))
    });
    let mut small_rng = SmallRng::seed_from_u64(1);
    g.bench_function("baseline/SmallRng_fill_bytes", |b| {
        b.iter(|| small_rng.fill_bytes(black_box(&mut bytes)))
    });
    // The rand_core adapter: bulk bytes, and one u64 at a time.
    let mut philox = cbrng::rng::Philox4x32Rng::seed_from_u64(1);
    g.bench_function("rng/Philox4x32Rng_fill_bytes", |b| {
        b.iter(|| philox.fill_bytes(black_box(&mut bytes)))
    });
    // A 64-bit generator through the adapter: u32 elements are the halves
    // of its words, which fill_bytes writes without splitting them.
    let mut t2x64 = cbrng::rng::Threefry2x64Rng::seed_from_u64(1);
    g.bench_function("rng/Threefry2x64Rng_fill_bytes", |b| {
        b.iter(|| t2x64.fill_bytes(black_box(&mut bytes)))
    });
    let mut words = vec![0u64; BYTES / 8];
    g.bench_function("rng/Philox4x32Rng_next_u64", |b| {
        b.iter(|| {
            for w in words.iter_mut() {
                *w = philox.next_u64();
            }
            black_box(&mut words);
        })
    });
    g.bench_function("baseline/StdRng_next_u64", |b| {
        b.iter(|| {
            for w in words.iter_mut() {
                *w = std_rng.next_u64();
            }
            black_box(&mut words);
        })
    });
    drop((bytes, words));

    let one = |be: CpuBackend| {
        CpuOptions::auto()
            .with_backend(be)
            .and_then(|o| o.with_threads(1))
            .expect("available backend")
    };
    let backends: Vec<CpuBackend> = CpuBackend::ALL
        .into_iter()
        .filter(|b| b.is_available())
        .collect();
    let best = *backends.last().expect("scalar is always available");
    let normal = Distribution::STANDARD_NORMAL;
    let uniform = Distribution::Uniform;

    for algo in Algorithm::all_default() {
        let s = Stream::from_seed(algo, 1, 0).expect("valid");
        let wide = algo.shape().word_bits() == 64;
        for &be in &backends {
            row::<u32>(
                &mut g,
                format!("{algo}/u32/{be}"),
                &s,
                &one(be),
                &Distribution::Bits,
            );
            // The native word of a 64-bit generator (the u32 view above
            // should match it); for philox4x64 the scalar row is the path
            // every backend took before the AVX-512 kernel (the baseline).
            if wide {
                row::<u64>(
                    &mut g,
                    format!("{algo}/u64/{be}"),
                    &s,
                    &one(be),
                    &Distribution::Bits,
                );
            }
        }
        let main = algo == Algorithm::PHILOX4X32_10;
        if quick && !main {
            continue;
        }
        // The maps on every SIMD backend for the main generator (AVX-512
        // against AVX2 in the same run), on the best one for the others.
        let map_backends: Vec<CpuBackend> = if main {
            backends
                .iter()
                .copied()
                .filter(|&b| b != CpuBackend::Scalar)
                .collect()
        } else {
            vec![best]
        };
        for &be in &map_backends {
            let o = one(be);
            row::<f32>(&mut g, format!("{algo}/uniform_f32/{be}"), &s, &o, &uniform);
            row::<f64>(&mut g, format!("{algo}/uniform_f64/{be}"), &s, &o, &uniform);
            row::<f32>(&mut g, format!("{algo}/normal_f32/{be}"), &s, &o, &normal);
            row::<f64>(&mut g, format!("{algo}/normal_f64/{be}"), &s, &o, &normal);
        }
        let o = one(best);
        row::<half::bf16>(
            &mut g,
            format!("{algo}/uniform_bf16/{best}"),
            &s,
            &o,
            &uniform,
        );
        row::<u8>(
            &mut g,
            format!("{algo}/u8/{best}"),
            &s,
            &o,
            &Distribution::Bits,
        );
        if main {
            row::<f32>(
                &mut g,
                format!("{algo}/normal_f32/scalar"),
                &s,
                &one(CpuBackend::Scalar),
                &normal,
            );
            for threads in [1, 2, 4] {
                let opts = one(best).with_threads(threads).expect("threads >= 1");
                row::<u32>(
                    &mut g,
                    format!("{algo}/u32/threads={threads}"),
                    &s,
                    &opts,
                    &Distribution::Bits,
                );
                row::<f32>(
                    &mut g,
                    format!("{algo}/normal_f32/threads={threads}"),
                    &s,
                    &opts,
                    &normal,
                );
            }
        }
    }
    g.finish();
}

/// Dropout forward on 64 MiB tensors (bytes read + written counted), with a
/// plain copy and a plain scale loop over the same buffers as baselines.
fn dropouts(c: &mut Criterion) {
    let quick = std::env::var_os("CBRNG_BENCH_QUICK").is_some();
    let mut g = c.benchmark_group("dropout_64MiB");
    g.throughput(Throughput::Bytes(2 * BYTES as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(if quick { 1 } else { 2 }));
    let n = BYTES / 4;
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let mut y = vec![0f32; n];
    g.bench_function("baseline/copy_f32", |b| {
        b.iter(|| black_box(&mut y).copy_from_slice(black_box(&x)))
    });
    g.bench_function("baseline/scale_f32", |b| {
        b.iter(|| {
            for (o, &v) in black_box(&mut y).iter_mut().zip(black_box(&x)) {
                *o = v * (10.0 / 9.0);
            }
        })
    });
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0).expect("stream");
    for be in CpuBackend::ALL.into_iter().filter(|b| b.is_available()) {
        for threads in [1, 2] {
            let opts = CpuOptions::auto()
                .with_backend(be)
                .and_then(|o| o.with_threads(threads))
                .expect("options");
            let d = Dropout::new(s, 0.1).expect("p").with_cpu_options(opts);
            g.bench_function(
                format!("f32_forward/{}/threads={threads}", be.name()),
                |b| b.iter(|| d.forward(0, black_box(&x), black_box(&mut y)).unwrap()),
            );
        }
    }
    let xh: Vec<half::bf16> = x.iter().map(|&v| half::bf16::from_f32(v)).collect();
    let mut yh = vec![half::bf16::ZERO; BYTES / 2];
    let xh: Vec<half::bf16> = xh.iter().cycle().take(BYTES / 2).copied().collect();
    let d = Dropout::new(s, 0.1).expect("p");
    g.bench_function("bf16_forward/auto", |b| {
        b.iter(|| d.forward(0, black_box(&xh), black_box(&mut yh)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, fills, dropouts);
criterion_main!(benches);

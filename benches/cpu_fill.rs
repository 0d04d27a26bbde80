//! Bulk CPU fills per generator (u32, uniform f32, uniform f64, normal f32),
//! with rand's StdRng (ChaCha12) filling the same bytes as the baseline in the
//! same run. `cargo bench --bench cpu_fill`; throughput is reported in bytes.
use cbrng::dist::Distribution;
use cbrng::{Algorithm, Stream};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_core::Rng;
use std::hint::black_box;
use std::time::Duration;

/// Bytes per fill: 4 MiB, larger than L2 on the machines here, so the
/// numbers include writing memory.
const BYTES: usize = 4 << 20;

fn fills(c: &mut Criterion) {
    let mut g = c.benchmark_group("fill_4MiB");
    g.throughput(Throughput::Bytes(BYTES as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));

    let mut bytes = vec![0u8; BYTES];
    let mut std_rng = StdRng::seed_from_u64(1);
    g.bench_function("baseline/StdRng_fill_bytes", |b| {
        b.iter(|| std_rng.fill_bytes(black_box(&mut bytes)))
    });

    let mut u32s = vec![0u32; BYTES / 4];
    let mut f32s = vec![0f32; BYTES / 4];
    let mut f64s = vec![0f64; BYTES / 8];
    for algo in Algorithm::all_default() {
        let s = Stream::from_seed(algo, 1, 0).expect("valid");
        g.bench_function(format!("{algo}/u32"), |b| {
            b.iter(|| s.fill_u32(0, black_box(&mut u32s)).unwrap())
        });
        g.bench_function(format!("{algo}/uniform_f32"), |b| {
            b.iter(|| {
                s.fill(&Distribution::Uniform, 0, black_box(&mut f32s))
                    .unwrap()
            })
        });
        g.bench_function(format!("{algo}/uniform_f64"), |b| {
            b.iter(|| {
                s.fill(&Distribution::Uniform, 0, black_box(&mut f64s))
                    .unwrap()
            })
        });
        g.bench_function(format!("{algo}/normal_f32"), |b| {
            b.iter(|| {
                s.fill(&Distribution::STANDARD_NORMAL, 0, black_box(&mut f32s))
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, fills);
criterion_main!(benches);

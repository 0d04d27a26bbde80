//! Exact sums against plain `iter().sum()` on the same buffer in the same run.
//! `cargo bench --bench reduce`; throughput is reported in bytes read.
//! `exact_1_thread` is the like-for-like comparison (one thread each);
//! `exact_auto_threads` is what `cbrng::reduce::sum` does on this machine.
use cbrng::reduce::{self, Accumulator};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

/// Bytes per buffer: 16 MiB, larger than L2 on the machines here.
const BYTES: usize = 16 << 20;

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

criterion_group!(benches, sums);
criterion_main!(benches);

//! Compat streams on one CPU thread (cbrng::compat), 64 MiB outputs like
//! `cpu_fill`, beside the systems' own generators where they run here.
//!
//! `cargo bench --bench compat`; throughput is in bytes written. Rows:
//! - `numpy/random_f64`, `numpy/random_f32`, `numpy/standard_normal_f64`,
//!   `numpy/standard_normal_f32`: `Generator(Philox(12345))` replayed.
//! - `torch/rand_f32_h100`, `torch/randn_f32_h100`: `torch.rand(2**24)` /
//!   `torch.randn(2**24)` on CUDA replayed for an H100 SXM's launch geometry.
//!
//! NumPy's own Generator(Philox) on the same sizes is `benches/numpy_philox.py`;
//! with `CBRNG_BENCH_PYTHON=/path/to/python` (a Python with numpy) this bench
//! runs it first, so both sets of numbers come from the same run.
//! Set `CBRNG_BENCH_QUICK=1` for a short run.
use cbrng::compat::numpy::Generator;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const BYTES: usize = 64 << 20;

fn numpy_baseline() {
    let Some(py) = std::env::var_os("CBRNG_BENCH_PYTHON") else {
        eprintln!("(set CBRNG_BENCH_PYTHON to a python with numpy to time NumPy in this run)");
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/numpy_philox.py");
    match std::process::Command::new(py).arg(script).output() {
        Ok(o) => {
            print!("{}", String::from_utf8_lossy(&o.stdout));
            eprint!("{}", String::from_utf8_lossy(&o.stderr));
        }
        Err(e) => eprintln!("cannot run {script}: {e}"),
    }
}

fn numpy_rows(c: &mut Criterion) {
    numpy_baseline();
    let quick = std::env::var_os("CBRNG_BENCH_QUICK").is_some();
    let mut g = c.benchmark_group("compat_64MiB");
    g.throughput(Throughput::Bytes(BYTES as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(if quick { 1 } else { 2 }));
    let mut rng = Generator::from_seed("12345").unwrap();
    let mut f64s = vec![0f64; BYTES / 8];
    let mut f32s = vec![0f32; BYTES / 4];
    g.bench_function("numpy/random_f64", |b| {
        b.iter(|| rng.random_f64(black_box(&mut f64s)))
    });
    g.bench_function("numpy/random_f32", |b| {
        b.iter(|| rng.random_f32(black_box(&mut f32s)))
    });
    g.bench_function("numpy/standard_normal_f64", |b| {
        b.iter(|| rng.standard_normal_f64(black_box(&mut f64s)))
    });
    g.bench_function("numpy/standard_normal_f32", |b| {
        b.iter(|| rng.standard_normal_f32(black_box(&mut f32s)))
    });
    // torch.rand / torch.randn replayed for an H100 SXM: 2^24 f32 elements.
    let h100 = cbrng::compat::torch::profile("h100-sxm").unwrap();
    g.bench_function("torch/rand_f32_h100", |b| {
        b.iter(|| {
            cbrng::compat::torch::Generator::new(1)
                .uniform_f32(h100, 0.0, 1.0, black_box(&mut f32s[..1 << 24]))
                .unwrap()
        })
    });
    g.bench_function("torch/randn_f32_h100", |b| {
        b.iter(|| {
            cbrng::compat::torch::Generator::new(1)
                .normal_f32(h100, 0.0, 1.0, black_box(&mut f32s[..1 << 24]))
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, numpy_rows);
criterion_main!(benches);

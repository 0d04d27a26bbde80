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

/// The thread's CPU time in seconds (Linux), else wall time.
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map(|ns| ns * 1e-9)
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0)
        })
}

/// GiB/s of `bytes` written by `f`, best of 7 by CPU time: the same method as
/// `benches/numpy_philox.py`'s CPU-time column, for a like-for-like ratio on
/// a loaded machine.
fn cpu_time_row(name: &str, bytes: usize, f: &mut dyn FnMut()) {
    f();
    let mut best = f64::INFINITY;
    for _ in 0..7 {
        let t = cpu_s();
        f();
        best = best.min(cpu_s() - t);
    }
    println!(
        "{name:32} {:7.3} GiB/s CPU time",
        bytes as f64 / best / f64::from(1u32 << 30)
    );
}

fn numpy_rows(c: &mut Criterion) {
    numpy_baseline();
    {
        let mut rng = Generator::from_seed("12345").unwrap();
        let mut f64s = vec![0f64; BYTES / 8];
        let mut f32s = vec![0f32; BYTES / 4];
        println!("cbrng compat, 64 MiB outputs, best of 7");
        cpu_time_row("numpy random f64", BYTES, &mut || rng.random_f64(&mut f64s));
        cpu_time_row("numpy random f32", BYTES, &mut || rng.random_f32(&mut f32s));
        cpu_time_row("numpy standard_normal f64", BYTES, &mut || {
            rng.standard_normal_f64(&mut f64s)
        });
        cpu_time_row("numpy standard_normal f32", BYTES, &mut || {
            rng.standard_normal_f32(&mut f32s)
        });
        let h100 = cbrng::compat::torch::profile("h100-sxm").unwrap();
        cpu_time_row("torch rand f32 (2^24, h100)", BYTES, &mut || {
            cbrng::compat::torch::Generator::new(1)
                .uniform_f32(h100, 0.0, 1.0, &mut f32s)
                .unwrap()
        });
        cpu_time_row("torch randn f32 (2^24, h100)", BYTES, &mut || {
            cbrng::compat::torch::Generator::new(1)
                .normal_f32(h100, 0.0, 1.0, &mut f32s)
                .unwrap()
        });
    }
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

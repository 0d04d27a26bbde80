//! The random-access permutation (`cbrng::shuffle`, issue 16), with rand's
//! Fisher–Yates shuffle measured in the same run on the same data.
//!
//! `cargo bench --bench shuffle`. Rows:
//! - `index/2^26/<backend>`: `Permutation::indices` over 2^26 positions of
//!   a permutation of 2^26 (one thread); throughput in indices.
//! - `index/2^26+1/<backend>`: the same for n = 2^26 + 1, where the cycle
//!   walk costs most (2^27 / n, about 2 applications of the network a
//!   position on average).
//! - `index/scalar_loop`: `Permutation::index` called once per position.
//! - `shuffle_u32_2^26/rand_SliceRandom_shuffle`: rand 0.10's
//!   `SliceRandom::shuffle` (Fisher–Yates) on `SmallRng`, one thread.
//! - `shuffle_u32_2^26/permute/threads=N`: `Permutation::permute` (a gather)
//!   of the same 2^26 u32 into a second buffer, on N threads, and
//!   `shuffle_in_place/threads=N` (a copy, then the gather).
//!
//!
//! First, rows by CPU time (best of 5; on a shared machine wall time
//! measures the neighbours): one-thread rows by the thread's CPU time,
//! two-thread rows by the process's CPU time over 2 (what the wall time is
//! on two otherwise idle cores when both threads are busy throughout).
//!
//! Set `CBRNG_BENCH_QUICK=1` for a short run.
use cbrng::shuffle::Permutation;
use cbrng::{CpuBackend, CpuOptions};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use std::hint::black_box;
use std::time::Duration;

const N: usize = 1 << 26;

/// CPU seconds of the calling thread.
fn thread_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns * 1e-9)
}

/// CPU seconds of the process (all threads; user + system, clock ticks of 10 ms).
fn process_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // After the name: state (field 3), ..., utime (14), stime (15).
            let mut f = s[s.rfind(')')? + 2..].split_whitespace().skip(11);
            let user: f64 = f.next()?.parse().ok()?;
            let system: f64 = f.next()?.parse().ok()?;
            Some((user + system) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

/// Best of 5 runs of `f`, in elements per second of CPU time (divided over
/// `threads` for the process clock).
fn cpu_row(name: &str, threads: u32, f: &mut dyn FnMut()) {
    f();
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let clock = if threads == 1 {
            thread_cpu_s
        } else {
            process_cpu_s
        };
        let t = clock();
        f();
        best = best.min((clock() - t) / f64::from(threads));
    }
    println!(
        "{name:44} {:8.1} M/s ({best:.3} s CPU time{})",
        N as f64 / best / 1e6,
        if threads > 1 { " / threads" } else { "" }
    );
}

fn cpu_time_rows(_: &mut Criterion) {
    println!("cbrng shuffle, 2^26 elements, CPU time, best of 5");
    let mut out = vec![0u64; N];
    for (label, n) in [("2^26", N as u64), ("2^26+1", N as u64 + 1)] {
        let p = Permutation::from_seed(42, 0, n).unwrap();
        for be in CpuBackend::ALL.into_iter().filter(|b| b.is_available()) {
            let opts = CpuOptions::auto()
                .with_threads(1)
                .unwrap()
                .with_backend(be)
                .unwrap();
            cpu_row(&format!("index {label} {be}, 1 thread"), 1, &mut || {
                p.indices_with(&opts, 0, black_box(&mut out)).unwrap()
            });
        }
    }
    drop(out);
    let src: Vec<u32> = (0..N as u32).collect();
    let mut data = src.clone();
    let mut rng = SmallRng::seed_from_u64(1);
    cpu_row(
        "rand SliceRandom::shuffle (SmallRng), 1 thread",
        1,
        &mut || black_box(&mut data).shuffle(&mut rng),
    );
    let p = Permutation::from_seed(42, 0, N as u64).unwrap();
    let mut dst = vec![0u32; N];
    for threads in [1u32, 2] {
        let opts = CpuOptions::auto().with_threads(threads as usize).unwrap();
        cpu_row(
            &format!("permute u32, {threads} thread(s)"),
            threads,
            &mut || p.permute_with(&opts, &src, black_box(&mut dst)).unwrap(),
        );
        cpu_row(
            &format!("shuffle_in_place u32, {threads} thread(s)"),
            threads,
            &mut || {
                p.shuffle_in_place_with(&opts, black_box(&mut data))
                    .unwrap()
            },
        );
    }
}

fn index(c: &mut Criterion) {
    let quick = std::env::var_os("CBRNG_BENCH_QUICK").is_some();
    let mut g = c.benchmark_group("index");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(if quick { 1 } else { 3 }));
    let mut out = vec![0u64; N];
    for (label, n) in [("2^26", N as u64), ("2^26+1", N as u64 + 1)] {
        let p = Permutation::from_seed(42, 0, n).unwrap();
        for be in CpuBackend::ALL.into_iter().filter(|b| b.is_available()) {
            let opts = CpuOptions::auto()
                .with_threads(1)
                .unwrap()
                .with_backend(be)
                .unwrap();
            g.bench_function(format!("{label}/{be}"), |b| {
                b.iter(|| p.indices_with(&opts, 0, black_box(&mut out)).unwrap())
            });
        }
    }
    let p = Permutation::from_seed(42, 0, N as u64).unwrap();
    g.bench_function("scalar_loop", |b| {
        b.iter(|| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = p.index(i as u64).unwrap();
            }
            black_box(&mut out);
        })
    });
    g.finish();
}

fn shuffle(c: &mut Criterion) {
    let quick = std::env::var_os("CBRNG_BENCH_QUICK").is_some();
    let mut g = c.benchmark_group("shuffle_u32_2^26");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(if quick { 2 } else { 6 }));
    let src: Vec<u32> = (0..N as u32).collect();
    let mut data = src.clone();
    let mut rng = SmallRng::seed_from_u64(1);
    g.bench_function("rand_SliceRandom_shuffle", |b| {
        b.iter(|| black_box(&mut data).shuffle(&mut rng))
    });
    let p = Permutation::from_seed(42, 0, N as u64).unwrap();
    let mut dst = vec![0u32; N];
    for threads in [1, 2] {
        let opts = CpuOptions::auto().with_threads(threads).unwrap();
        g.bench_function(format!("permute/threads={threads}"), |b| {
            b.iter(|| p.permute_with(&opts, &src, black_box(&mut dst)).unwrap())
        });
        g.bench_function(format!("shuffle_in_place/threads={threads}"), |b| {
            b.iter(|| {
                p.shuffle_in_place_with(&opts, black_box(&mut data))
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, cpu_time_rows, index, shuffle);
criterion_main!(benches);

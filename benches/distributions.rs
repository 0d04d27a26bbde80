//! The contract v2 distributions on the CPU, one thread, against
//! `rand_distr` on `rand`'s SmallRng (xoshiro256++) filling the same buffer:
//! exponential f32 (`rand_distr::Exp`, a ziggurat, whose last bits follow
//! the platform's libm) and the other inverse-CDF maps beside it.
//!
//! `cargo bench --bench distributions`; throughput is in elements. Rows:
//! - `rand_distr/Exp_f32/SmallRng`: `Exp::new(1.0)` sampled into the buffer.
//! - `rand_distr/Gamma2_f32/SmallRng`: `Gamma::new(2.0, 1.0)` (Marsaglia-Tsang
//!   on a ziggurat normal) sampled into the buffer; against it
//!   `cbrng/gamma2_f32/<backend>` (contract v3, the rejection sampler on its
//!   attempt space), with the other gamma-family samplers beside it.
//! - `cbrng/<dist>_f32/<backend>`: `Stream::fill_with` on one thread.
//! - `cbrng/<dist>_f64/<backend>` (group `dist_f64_4Mi`): the gamma family
//!   in f64 on the best backend, one thread.
use cbrng::dist::Distribution;
use cbrng::{Algorithm, CpuBackend, CpuOptions, Stream};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand_distr::Distribution as _;
use std::hint::black_box;
use std::time::Duration;

/// Elements per fill: 2^22 f32 (16 MiB), beyond the caches.
const N: usize = 1 << 22;

fn distributions(c: &mut Criterion) {
    let mut g = c.benchmark_group("dist_f32_4Mi");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    let mut buf = vec![0f32; N];

    let exp = rand_distr::Exp::<f32>::new(1.0).unwrap();
    let mut small = SmallRng::seed_from_u64(1);
    g.bench_function("rand_distr/Exp_f32/SmallRng", |b| {
        b.iter(|| {
            for x in black_box(&mut buf).iter_mut() {
                *x = exp.sample(&mut small);
            }
        })
    });

    let gamma = rand_distr::Gamma::<f32>::new(2.0, 1.0).unwrap();
    let mut small = SmallRng::seed_from_u64(2);
    g.bench_function("rand_distr/Gamma2_f32/SmallRng", |b| {
        b.iter(|| {
            for x in black_box(&mut buf).iter_mut() {
                *x = gamma.sample(&mut small);
            }
        })
    });

    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0).unwrap();
    let best = CpuBackend::best_available();
    let mut backends = vec![best];
    for be in [CpuBackend::Avx2, CpuBackend::Scalar] {
        if be != best && be.is_available() {
            backends.push(be);
        }
    }
    let dists = [
        ("exponential", Distribution::Exponential { lambda: 1.0 }),
        (
            "log-normal",
            Distribution::LogNormal {
                mu: 0.0,
                sigma: 1.0,
            },
        ),
        ("gumbel", Distribution::Gumbel { mu: 0.0, beta: 1.0 }),
        (
            "cauchy",
            Distribution::Cauchy {
                x0: 0.0,
                gamma: 1.0,
            },
        ),
        ("logistic", Distribution::Logistic { mu: 0.0, s: 1.0 }),
        ("laplace", Distribution::Laplace { mu: 0.0, b: 1.0 }),
        ("normal", Distribution::STANDARD_NORMAL),
        ("gamma2", Distribution::Gamma { k: 2.0, theta: 1.0 }),
        ("gamma0.5", Distribution::Gamma { k: 0.5, theta: 1.0 }),
        (
            "gamma0.01",
            Distribution::Gamma {
                k: 0.01,
                theta: 1.0,
            },
        ),
        (
            "gamma1000",
            Distribution::Gamma {
                k: 1000.0,
                theta: 1.0,
            },
        ),
        ("chi-squared10", Distribution::ChiSquared { k: 10.0 }),
        ("beta2,5", Distribution::Beta { a: 2.0, b: 5.0 }),
        ("student-t3", Distribution::StudentT { nu: 3.0 }),
    ];
    for be in backends {
        let opts = CpuOptions::auto()
            .with_backend(be)
            .unwrap()
            .with_threads(1)
            .unwrap();
        for (name, d) in &dists {
            g.bench_function(format!("cbrng/{name}_f32/{}", be.name()), |b| {
                b.iter(|| s.fill_with(&opts, d, 0, black_box(&mut buf)).unwrap())
            });
        }
    }
    g.finish();
}

/// The gamma family in f64 on the best backend, one thread.
fn gamma_family_f64(c: &mut Criterion) {
    let mut g = c.benchmark_group("dist_f64_4Mi");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    let mut buf = vec![0f64; N];
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0).unwrap();
    let be = CpuBackend::best_available();
    let opts = CpuOptions::auto()
        .with_backend(be)
        .unwrap()
        .with_threads(1)
        .unwrap();
    let dists = [
        ("gamma2", Distribution::Gamma { k: 2.0, theta: 1.0 }),
        (
            "gamma0.01",
            Distribution::Gamma {
                k: 0.01,
                theta: 1.0,
            },
        ),
        (
            "gamma1000",
            Distribution::Gamma {
                k: 1000.0,
                theta: 1.0,
            },
        ),
        ("chi-squared10", Distribution::ChiSquared { k: 10.0 }),
        ("beta2,5", Distribution::Beta { a: 2.0, b: 5.0 }),
        ("student-t3", Distribution::StudentT { nu: 3.0 }),
    ];
    for (name, d) in &dists {
        g.bench_function(format!("cbrng/{name}_f64/{}", be.name()), |b| {
            b.iter(|| s.fill_with(&opts, d, 0, black_box(&mut buf)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, distributions, gamma_family_f64);
criterion_main!(benches);

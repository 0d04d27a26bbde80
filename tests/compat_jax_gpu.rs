//! `jax.random.normal` with XLA:GPU's arithmetic (`Backend::Gpu`): how far it
//! is from XLA:CPU's (`Backend::Cpu`, checked against JAX 0.7.1 in
//! tests/compat_jax.rs), and from the exact value. No JAX-on-GPU values
//! here: only a GPU can make them (benches/gpu_pass.sh compares there).
//!
//! `tests/data/compat/jax/normal_exact.txt` (gen_normal_exact.py, mpmath)
//! holds sqrt(2) erfinv(u) correctly rounded for a sample of the u JAX draws.

use cbrng::compat::jax::{Backend, erf_inv_f32, erf_inv_f32_gpu_with_sqrt, erf_inv_f64};

const LO32: f32 = -0.999_999_94; // nextafter(-1, 0)

/// The u of JAX's f32 uniform k 2^-23: max(lo, f * 2 + lo).
fn u32_of(k: u32) -> f32 {
    let f = k as f32 * f32::from_bits(0x3400_0000); // 2^-23
    (f * 2.0 + LO32).max(LO32)
}

fn u64_of(k: u64) -> f64 {
    let lo = f64::from_bits(0xBFEF_FFFF_FFFF_FFFF);
    let f = k as f64 * f64::from_bits(0x3CB0_0000_0000_0000); // 2^-52
    (f * 2.0 + lo).max(lo)
}

fn normal32(u: f32, b: Backend) -> f32 {
    erf_inv_f32(u, b) * std::f32::consts::SQRT_2
}

fn normal64(u: f64, b: Backend) -> f64 {
    erf_inv_f64(u, b) * std::f64::consts::SQRT_2
}

fn ord32(x: f32) -> i64 {
    let b = i64::from(x.to_bits());
    if b < 0x8000_0000 { b } else { 0x8000_0000 - b }
}

fn ulps32(a: f32, b: f32) -> u64 {
    (ord32(a) - ord32(b)).unsigned_abs()
}

fn ord64(x: f64) -> i128 {
    let b = i128::from(x.to_bits());
    if b < 1 << 63 { b } else { (1 << 63) - b }
}

fn ulps64(a: f64, b: f64) -> u64 {
    (ord64(a) - ord64(b)).unsigned_abs() as u64
}

/// |u| above this: w = -log(1 - u²) >= 5, where XLA:GPU's f32 sqrt is
/// `sqrt.approx.f32` and cbrng's model of it the exact root.
const TAIL32: f32 = 0.996_63;

#[test]
fn f32_backends_compared_on_every_u_jax_can_draw() {
    // All 2^23 values of the f32 uniform: [main, tail] x ulp distance.
    let mut hist = [[0u64; 9]; 2];
    let mut worst = [(0u64, 0f32); 2];
    for k in 0..1u32 << 23 {
        let u = u32_of(k);
        let d = ulps32(normal32(u, Backend::Gpu), normal32(u, Backend::Cpu));
        let t = usize::from(u.abs() > TAIL32);
        hist[t][d.min(8) as usize] += 1;
        if d > worst[t].0 {
            worst[t] = (d, u);
        }
    }
    for ((name, h), w) in ["|u| <= 0.99663", "|u| > 0.99663"]
        .iter()
        .zip(hist)
        .zip(worst)
    {
        println!(
            "normal f32, GPU vs CPU backend, {name}: ulps 0..7,>=8: {h:?}; worst {} ulp at u={:e}",
            w.0, w.1
        );
    }
    let all: u64 = hist.iter().flatten().sum();
    assert_eq!(all, 1 << 23);
    // Measured (all 2^23 draws): the backends differ in 4.7% of the draws,
    // by at most 3 ulps (README, compat section).
    assert!(worst[0].0 <= 3 && worst[1].0 <= 3, "{worst:?}");
    let differ = all - hist[0][0] - hist[1][0];
    assert!(differ > 0, "the lowerings differ somewhere");
    assert!(differ * 5 < all, "{differ} of {all} differ");
}

#[test]
fn f64_backends_compared_on_a_sample() {
    let mut hist = [0u64; 9];
    let mut worst = (0u64, 0f64);
    let n = 1u64 << 21;
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = u64_of(x >> 12);
        let d = ulps64(normal64(u, Backend::Gpu), normal64(u, Backend::Cpu));
        hist[d.min(8) as usize] += 1;
        if d > worst.0 {
            worst = (d, u);
        }
    }
    println!(
        "normal f64, GPU vs CPU backend, {n} draws: ulps 0..7,>=8: {hist:?}; worst {} ulp at u={:e}",
        worst.0, worst.1
    );
    // Measured: at most 30 ulps, where XLA:CPU's log1p switches from its
    // rational approximation to log(1 + x) (|x| = sqrt(2) - 1).
    assert!(worst.0 <= 30, "{worst:?}");
    assert!(hist[0] < n, "the lowerings differ somewhere");
}

struct Exact {
    f32s: Vec<(u32, u32)>,
    f64s: Vec<(u64, u64)>,
}

fn exact() -> Exact {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/compat/jax/normal_exact.txt"
    ))
    .expect("data file is in the repository");
    let mut e = Exact {
        f32s: Vec::new(),
        f64s: Vec::new(),
    };
    for l in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f[0] {
            "f32" => e.f32s.push((
                f[1].parse().unwrap(),
                u32::from_str_radix(f[2], 16).unwrap(),
            )),
            "f64" => e.f64s.push((
                f[1].parse().unwrap(),
                u64::from_str_radix(f[2], 16).unwrap(),
            )),
            other => panic!("unknown line kind {other}"),
        }
    }
    e
}

/// Whether `gpu` has at least as many draws within 2 ulps of exact as
/// `cpu`, less 2% of the sample.
fn close_as_often(gpu: &[u64; 9], cpu: &[u64; 9]) -> bool {
    let n: u64 = cpu.iter().sum();
    let within = |h: &[u64; 9]| h[..3].iter().sum::<u64>();
    within(gpu) * 50 + n >= within(cpu) * 50
}

#[test]
fn gpu_backend_is_as_close_to_exact_as_the_cpu_one() {
    let e = exact();
    assert!(e.f32s.len() > 4000 && e.f64s.len() > 3500);
    let mut hist = [[[0u64; 9]; 2]; 2]; // [backend][tail][ulps]
    for &(k, want) in &e.f32s {
        let u = u32_of(k);
        let want = f32::from_bits(want);
        let t = usize::from(u.abs() > TAIL32);
        for (i, b) in [Backend::Cpu, Backend::Gpu].into_iter().enumerate() {
            hist[i][t][ulps32(normal32(u, b), want).min(8) as usize] += 1;
        }
    }
    for (i, name) in ["CPU", "GPU"].iter().enumerate() {
        for (t, region) in ["|u| <= 0.99663", "|u| > 0.99663"].iter().enumerate() {
            println!(
                "normal f32 {name} backend vs exact, {region}: ulps 0..7,>=8: {:?}",
                hist[i][t]
            );
        }
    }
    // XLA's f32 erf_inv is within 6 ulps of exact off the tail on both
    // backends, and the GPU's is as often within 2 ulps as the CPU's.
    assert_eq!(hist[1][0][7..].iter().sum::<u64>(), 0, "{:?}", hist[1][0]);
    for t in 0..2 {
        assert!(close_as_often(&hist[1][t], &hist[0][t]), "{t}: {hist:?}");
    }
    let mut hist64 = [[0u64; 9]; 2];
    for &(k, want) in &e.f64s {
        let u = u64_of(k);
        let want = f64::from_bits(want);
        for (i, b) in [Backend::Cpu, Backend::Gpu].into_iter().enumerate() {
            hist64[i][ulps64(normal64(u, b), want).min(8) as usize] += 1;
        }
    }
    for (i, name) in ["CPU", "GPU"].iter().enumerate() {
        println!(
            "normal f64 {name} backend vs exact: ulps 0..7,>=8: {:?}",
            hist64[i]
        );
    }
    assert!(close_as_often(&hist64[1], &hist64[0]), "{hist64:?}");
}

#[test]
fn f32_tail_moves_little_when_the_gpu_sqrt_is_one_ulp_off() {
    // sqrt.approx.f32 is not reproducible on a CPU: cbrng takes the exact
    // root. If the device's root is one ulp away, how far does the draw move?
    // Every u of the tail (w >= 5) JAX can draw.
    let (mut n, mut hist, mut worst) = (0u64, [0u64; 9], 0u64);
    let up = |x: f32| f32::from_bits(x.sqrt().to_bits() + 1);
    let down = |x: f32| f32::from_bits(x.sqrt().to_bits() - 1);
    for k in 0..1u32 << 23 {
        let u = u32_of(k);
        if u.abs() <= TAIL32 {
            continue;
        }
        let exact = erf_inv_f32(u, Backend::Gpu);
        for s in [
            erf_inv_f32_gpu_with_sqrt(u, up),
            erf_inv_f32_gpu_with_sqrt(u, down),
        ] {
            let d = ulps32(
                s * std::f32::consts::SQRT_2,
                exact * std::f32::consts::SQRT_2,
            );
            hist[d.min(8) as usize] += 1;
            worst = worst.max(d);
        }
        n += 1;
    }
    println!(
        "normal f32 tail ({n} u), root one ulp off either way: draw moves 0..7,>=8 ulps: {hist:?}; worst {worst}"
    );
    assert!(n > 28_000, "{n}");
    // Measured: at most 3 ulps (the root's ulp, relative to sqrt(w) - 3).
    assert!(worst <= 3, "worst {worst}");
}

//! The compat kernels on a GPU (`cbrng::cuda::compat`) against the CPU
//! definitions (`cbrng::compat`): bit for bit wherever the device code is
//! IEEE arithmetic (cuRAND's raw draws and uniforms, torch's `rand`,
//! `uniform`, `bernoulli` and dropout masks, JAX's bits and uniforms, for
//! several geometries, offsets, chunk boundaries and dtypes); for cuRAND's
//! normal and log-normal draws (and torch's `randn`), whose device code
//! calls CUDA's `logf`/`log`/`expf`/`sincospi` and the special-function
//! unit's sine-cosine, the GPU gives cuRAND's own values and the CPU
//! approximates them: those are compared within a bound, and the fraction
//! that is exact and the largest difference are printed. JAX's `normal`
//! (XLA:GPU's arithmetic) equals the CPU's model of it wherever the device
//! code is IEEE arithmetic: every f32 draw with |u| <= 0.99663 and, if the
//! model of the reciprocal seed holds, every f64 draw; the f32 tail, where
//! the device's approximate square root enters, is within 3 ulp. Skips with a
//! notice without a GPU; fails when `CBRNG_REQUIRE_GPU=1`.
#![cfg(feature = "cuda")]
use cbrng::Error;
use cbrng::compat::curand::Philox4x32_10;
use cbrng::compat::jax::{Backend, Config, Key};
use cbrng::compat::torch::{self, DropoutDType, Geometry};
use cbrng::cuda::Gpu;
use cbrng::cuda::compat::{CompatElement, CurandFn, TorchOp};
use cudarc::driver::{CudaSlice, CudaViewMut};
use half::{bf16, f16};

#[path = "common/gpu.rs"]
mod gpu;
use gpu::gpu_or_skip;

/// Runs `f` on a fresh device buffer of `n` elements of T (allocated as
/// bytes, so f16/bf16 need no cudarc feature) and returns its elements.
fn on_gpu<T: CompatElement>(
    gpu: &Gpu,
    n: usize,
    f: impl FnOnce(&mut CudaViewMut<'_, T>) -> Result<(), Error>,
) -> Result<Vec<T>, Error> {
    let size = std::mem::size_of::<T>();
    let mut buf: CudaSlice<u8> = gpu.stream().alloc_zeros(n * size + 16).unwrap();
    {
        // SAFETY: the buffer holds at least n elements of T.
        let mut view = unsafe { buf.transmute_mut::<T>(n) }.unwrap();
        f(&mut view)?;
    }
    // SAFETY: as above.
    let view = unsafe { buf.transmute::<T>(n) }.unwrap();
    let bytes = gpu.copy_to_host(&view)?;
    Ok(bytes
        .chunks_exact(size)
        .map(bytemuck::pod_read_unaligned)
        .collect())
}

fn curand_cpu_u32(f: CurandFn, seed: u64, sub: u64, off: u64, count: usize) -> Vec<u32> {
    let mut st = Philox4x32_10::init(seed, sub, off);
    match f {
        CurandFn::Curand => (0..count).map(|_| st.next_u32()).collect(),
        CurandFn::Uniform => (0..count).map(|_| st.uniform().to_bits()).collect(),
        CurandFn::Uniform4 => (0..count)
            .flat_map(|_| st.uniform4())
            .map(f32::to_bits)
            .collect(),
        CurandFn::Normal => (0..count).map(|_| st.normal().to_bits()).collect(),
        CurandFn::Normal2 => (0..count)
            .flat_map(|_| st.normal2())
            .map(f32::to_bits)
            .collect(),
        CurandFn::LogNormal => (0..count)
            .map(|_| st.log_normal(0.5, 0.75).to_bits())
            .collect(),
        _ => unreachable!(),
    }
}

const CURAND_CASES: [(u64, u64, u64, usize); 6] = [
    (0, 0, 0, 1),
    (1234, 0, 0, 63),
    (1234, 7, 3, 65),
    (u64::MAX, (1 << 32) + 5, (1 << 34) + 1, 4099),
    (42, 1 << 40, 2, 100_001),
    (7, u64::MAX, u64::MAX - 4_000_000, 1_000_000),
];

#[test]
fn curand_raw_draws_and_uniforms_equal_the_cpu() {
    let Some(gpu) = gpu_or_skip("curand_raw_draws_and_uniforms_equal_the_cpu") else {
        return;
    };
    for (seed, sub, off, count) in CURAND_CASES {
        for f in [CurandFn::Curand, CurandFn::Uniform, CurandFn::Uniform4] {
            let n = count * f.elements_per_call() as usize;
            let want = curand_cpu_u32(f, seed, sub, off, count);
            let got: Vec<u32> = if f == CurandFn::Curand {
                on_gpu::<u32>(&gpu, n, |v| {
                    gpu.curand_fill(f, seed, sub, off, count as u64, 0.0, 1.0, v)
                })
                .unwrap()
            } else {
                on_gpu::<f32>(&gpu, n, |v| {
                    gpu.curand_fill(f, seed, sub, off, count as u64, 0.0, 1.0, v)
                })
                .unwrap()
                .into_iter()
                .map(f32::to_bits)
                .collect()
            };
            assert!(
                got == want,
                "curand {} seed {seed} sub {sub} offset {off} count {count}",
                f.name()
            );
        }
        let f = CurandFn::UniformDouble;
        let mut st = Philox4x32_10::init(seed, sub, off);
        let want: Vec<u64> = (0..count).map(|_| st.uniform_double().to_bits()).collect();
        let got: Vec<u64> = on_gpu::<f64>(&gpu, count, |v| {
            gpu.curand_fill(f, seed, sub, off, count as u64, 0.0, 1.0, v)
        })
        .unwrap()
        .into_iter()
        .map(f64::to_bits)
        .collect();
        assert!(
            got == want,
            "curand uniform-double seed {seed} count {count}"
        );
    }
}

/// Differences between two f32 sequences: (fraction equal, largest
/// absolute difference, largest difference in ulps).
fn f32_diff(a: &[f32], b: &[f32]) -> (f64, f64, u64) {
    let ord = |x: f32| {
        let b = x.to_bits() as i64;
        if b < 0x8000_0000 { b } else { 0x8000_0000 - b }
    };
    let mut equal = 0;
    let (mut abs, mut ulp) = (0f64, 0u64);
    for (&x, &y) in a.iter().zip(b) {
        if x.to_bits() == y.to_bits() {
            equal += 1;
        }
        abs = abs.max((f64::from(x) - f64::from(y)).abs());
        ulp = ulp.max(ord(x).abs_diff(ord(y)));
    }
    (equal as f64 / a.len().max(1) as f64, abs, ulp)
}

#[test]
fn curand_normals_are_close_to_the_cpu_and_the_exact_parts_agree() {
    let Some(gpu) = gpu_or_skip("curand_normals_are_close_to_the_cpu_and_the_exact_parts_agree")
    else {
        return;
    };
    for (seed, sub, off, count) in CURAND_CASES {
        for f in [CurandFn::Normal, CurandFn::Normal2, CurandFn::LogNormal] {
            let n = count * f.elements_per_call() as usize;
            let want: Vec<f32> = curand_cpu_u32(f, seed, sub, off, count)
                .into_iter()
                .map(f32::from_bits)
                .collect();
            let got = on_gpu::<f32>(&gpu, n, |v| {
                gpu.curand_fill(f, seed, sub, off, count as u64, 0.5, 0.75, v)
            })
            .unwrap();
            let (eq, abs, ulp) = f32_diff(&got, &want);
            eprintln!(
                "curand {} count {count}: {:.4}% equal to the CPU, largest difference {abs:e} ({ulp} ulp)",
                f.name(),
                100.0 * eq
            );
            // The special-function unit's sine and cosine are within about
            // 2^-21 of the true values on (0, 2pi]; logf and expf within an
            // ulp or two: the draws (|z| < 7, log-normal below e^6) stay close.
            let bound = if f == CurandFn::LogNormal { 1e-2 } else { 1e-4 };
            assert!(abs < bound, "curand {}: {abs}", f.name());
            assert!(eq > 0.05, "curand {}: almost nothing equal", f.name());
        }
        let mut st = Philox4x32_10::init(seed, sub, off);
        let want: Vec<f64> = (0..count).map(|_| st.normal_double()).collect();
        let got = on_gpu::<f64>(&gpu, count, |v| {
            gpu.curand_fill(
                CurandFn::NormalDouble,
                seed,
                sub,
                off,
                count as u64,
                0.0,
                1.0,
                v,
            )
        })
        .unwrap();
        let equal = got
            .iter()
            .zip(&want)
            .filter(|(a, b)| a.to_bits() == b.to_bits())
            .count();
        let abs = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        eprintln!(
            "curand normal-double count {count}: {:.4}% equal, largest difference {abs:e}",
            100.0 * equal as f64 / count as f64
        );
        assert!(abs < 1e-12, "curand normal-double: {abs}");
    }
}

fn torch_cpu_bits(
    g: &mut torch::Generator,
    geom: Geometry,
    op: TorchOp,
    dtype: &str,
    n: usize,
) -> Vec<u64> {
    match (op, dtype) {
        (TorchOp::Uniform { from, to }, "f32") => {
            let mut v = vec![0f32; n];
            g.uniform_f32(geom, from as f32, to as f32, &mut v).unwrap();
            v.iter().map(|x| u64::from(x.to_bits())).collect()
        }
        (TorchOp::Uniform { from, to }, "f64") => {
            let mut v = vec![0f64; n];
            g.uniform_f64(geom, from, to, &mut v).unwrap();
            v.iter().map(|x| x.to_bits()).collect()
        }
        (TorchOp::Uniform { from, to }, "f16") => {
            let mut v = vec![f16::ZERO; n];
            g.uniform_f16(geom, f16::from_f64(from), f16::from_f64(to), &mut v)
                .unwrap();
            v.iter().map(|x| u64::from(x.to_bits())).collect()
        }
        (TorchOp::Uniform { from, to }, "bf16") => {
            let mut v = vec![bf16::ZERO; n];
            g.uniform_bf16(geom, bf16::from_f64(from), bf16::from_f64(to), &mut v)
                .unwrap();
            v.iter().map(|x| u64::from(x.to_bits())).collect()
        }
        (TorchOp::Bernoulli { p }, _) => {
            let mut v = vec![0f32; n];
            g.bernoulli_f32(geom, p, &mut v).unwrap();
            v.iter().map(|x| u64::from(x.to_bits())).collect()
        }
        (TorchOp::DropoutMask { p, input }, _) => {
            let mut v = vec![0u8; n];
            g.dropout_mask(geom, p, input, &mut v).unwrap();
            v.iter().map(|&x| u64::from(x)).collect()
        }
        _ => unreachable!(),
    }
}

fn torch_gpu_bits(
    gpu: &Gpu,
    g: &mut torch::Generator,
    geom: Geometry,
    op: TorchOp,
    dtype: &str,
    n: usize,
) -> Vec<u64> {
    match (op, dtype) {
        (TorchOp::DropoutMask { .. }, _) => {
            on_gpu::<u8>(gpu, n, |v| gpu.torch_fill(g, geom, op, v))
                .unwrap()
                .into_iter()
                .map(u64::from)
                .collect()
        }
        (_, "f32") => on_gpu::<f32>(gpu, n, |v| gpu.torch_fill(g, geom, op, v))
            .unwrap()
            .into_iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        (_, "f64") => on_gpu::<f64>(gpu, n, |v| gpu.torch_fill(g, geom, op, v))
            .unwrap()
            .into_iter()
            .map(f64::to_bits)
            .collect(),
        (_, "f16") => on_gpu::<f16>(gpu, n, |v| gpu.torch_fill(g, geom, op, v))
            .unwrap()
            .into_iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        (_, "bf16") => on_gpu::<bf16>(gpu, n, |v| gpu.torch_fill(g, geom, op, v))
            .unwrap()
            .into_iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        _ => unreachable!(),
    }
}

#[test]
fn torch_rand_bernoulli_and_dropout_masks_equal_the_cpu() {
    let Some(gpu) = gpu_or_skip("torch_rand_bernoulli_and_dropout_masks_equal_the_cpu") else {
        return;
    };
    let geoms = [
        torch::profile("t4").unwrap(),
        torch::profile("h100-sxm").unwrap(),
        Geometry {
            sm_count: 1,
            threads_per_sm: 256,
        },
    ];
    let mut ops: Vec<(TorchOp, &str)> = vec![];
    for dt in ["f32", "f64", "f16", "bf16"] {
        ops.push((TorchOp::Uniform { from: 0.0, to: 1.0 }, dt));
        ops.push((
            TorchOp::Uniform {
                from: -3.0,
                to: 0.5,
            },
            dt,
        ));
    }
    ops.push((TorchOp::Bernoulli { p: 0.25 }, "f32"));
    for input in [
        DropoutDType::F32,
        DropoutDType::F64,
        DropoutDType::F16,
        DropoutDType::BF16,
    ] {
        ops.push((TorchOp::DropoutMask { p: 0.1, input }, "u8"));
    }
    let mut cases = 0;
    for geom in geoms {
        for (op, dt) in &ops {
            for n in [1usize, 1023, 40_961, 1_000_003, 1_000_000] {
                let g0 = torch::Generator {
                    seed: 2024,
                    offset: 8,
                };
                let (mut gc, mut gg) = (g0, g0);
                let want = torch_cpu_bits(&mut gc, geom, *op, dt, n);
                let got = torch_gpu_bits(&gpu, &mut gg, geom, *op, dt, n);
                assert!(got == want, "torch {op:?} {dt} n {n} {geom:?}");
                assert_eq!(gg, gc, "the generator after {op:?} {dt} n {n}");
                cases += 1;
            }
        }
    }
    eprintln!("torch on the GPU: {cases} cases equal the CPU");
}

#[test]
fn torch_randn_is_close_to_the_cpu() {
    let Some(gpu) = gpu_or_skip("torch_randn_is_close_to_the_cpu") else {
        return;
    };
    let geom = torch::profile("h100-sxm").unwrap();
    let n = 1_000_003;
    let g0 = torch::Generator::new(7);
    let (mut gc, mut gg) = (g0, g0);
    let mut want = vec![0f32; n];
    gc.normal_f32(geom, 0.0, 1.0, &mut want).unwrap();
    let got = on_gpu::<f32>(&gpu, n, |v| {
        gpu.torch_fill(
            &mut gg,
            geom,
            TorchOp::Normal {
                mean: 0.0,
                std: 1.0,
            },
            v,
        )
    })
    .unwrap();
    assert_eq!(gg, gc);
    let (eq, abs, ulp) = f32_diff(&got, &want);
    eprintln!(
        "torch randn f32: {:.4}% equal to the CPU, largest difference {abs:e} ({ulp} ulp)",
        100.0 * eq
    );
    assert!(abs < 1e-4 && eq > 0.05);
    let mut want = vec![0f64; n];
    let (mut gc, mut gg) = (g0, g0);
    gc.normal_f64(geom, 1.0, 2.0, &mut want).unwrap();
    let got = on_gpu::<f64>(&gpu, n, |v| {
        gpu.torch_fill(
            &mut gg,
            geom,
            TorchOp::Normal {
                mean: 1.0,
                std: 2.0,
            },
            v,
        )
    })
    .unwrap();
    let abs = got
        .iter()
        .zip(&want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    eprintln!("torch randn f64: largest difference {abs:e}");
    assert!(abs < 1e-11);
}

#[test]
fn jax_bits_and_uniforms_equal_the_cpu() {
    let Some(gpu) = gpu_or_skip("jax_bits_and_uniforms_equal_the_cpu") else {
        return;
    };
    let mut cases = 0;
    for partitionable in [true, false] {
        let cfg = Config {
            x64: true,
            partitionable,
        };
        for seed in [0i128, 42, -7] {
            let key = Key::from_seed(seed, cfg).unwrap();
            for n in [1usize, 3, 4097, 1_000_001] {
                macro_rules! check {
                    ($t:ty, $zero:expr, $cpu:ident, $gpu:ident) => {{
                        let mut want = vec![$zero; n];
                        key.$cpu(cfg, &mut want).unwrap();
                        let got = on_gpu::<$t>(&gpu, n, |v| gpu.$gpu(&key, cfg, v)).unwrap();
                        assert!(
                            bytemuck::cast_slice::<$t, u8>(&got)
                                == bytemuck::cast_slice::<$t, u8>(&want),
                            "jax {} {} {cfg:?} seed {seed} n {n}",
                            stringify!($cpu),
                            stringify!($t)
                        );
                        cases += 1;
                    }};
                }
                check!(u8, 0u8, bits_u8, jax_bits);
                check!(u16, 0u16, bits_u16, jax_bits);
                check!(u32, 0u32, bits_u32, jax_bits);
                check!(u64, 0u64, bits_u64, jax_bits);
                check!(f32, 0f32, uniform_f32, jax_uniform);
                check!(f64, 0f64, uniform_f64, jax_uniform);
                check!(f16, f16::ZERO, uniform_f16, jax_uniform);
                check!(bf16, bf16::ZERO, uniform_bf16, jax_uniform);
            }
        }
    }
    eprintln!("jax on the GPU: {cases} cases equal the CPU");
}

/// The distance in ulps between two finite f32 of the same sign.
fn ulps_f32(a: f32, b: f32) -> u32 {
    (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
}

#[test]
fn jax_normal_is_the_cpu_s_model_of_xla_gpu() {
    let Some(gpu) = gpu_or_skip("jax_normal_is_the_cpu_s_model_of_xla_gpu") else {
        return;
    };
    let (mut tail, mut tail_exact, mut worst) = (0usize, 0usize, 0u32);
    for partitionable in [true, false] {
        let cfg = Config {
            x64: true,
            partitionable,
        };
        for seed in [0i128, 42, -7] {
            let key = Key::from_seed(seed, cfg).unwrap();
            for n in [1usize, 5, 4097, 1_000_003] {
                // f32: the uniforms say which draws reach the tail (w >= 5).
                let mut u = vec![0f32; n];
                key.uniform_f32(cfg, &mut u).unwrap();
                let mut want = vec![0f32; n];
                key.normal_f32_on(cfg, Backend::Gpu, &mut want).unwrap();
                let got = on_gpu::<f32>(&gpu, n, |v| gpu.jax_normal(&key, cfg, v)).unwrap();
                for i in 0..n {
                    let ui = (u[i] * 2.0 + f32::from_bits(0xbf7f_ffff)).abs();
                    if ui <= 0.996_63 {
                        assert_eq!(
                            got[i].to_bits(),
                            want[i].to_bits(),
                            "jax normal f32 {cfg:?} seed {seed} n {n} element {i} (|u| = {ui})"
                        );
                    } else {
                        tail += 1;
                        let d = ulps_f32(got[i], want[i]);
                        tail_exact += usize::from(d == 0);
                        worst = worst.max(d);
                        assert!(
                            d <= 3,
                            "jax normal f32 tail {cfg:?} seed {seed} n {n} element {i}: {} vs {} ({d} ulp)",
                            got[i],
                            want[i]
                        );
                    }
                }
                let mut want = vec![0f64; n];
                key.normal_f64_on(cfg, Backend::Gpu, &mut want).unwrap();
                let got = on_gpu::<f64>(&gpu, n, |v| gpu.jax_normal(&key, cfg, v)).unwrap();
                let differ = (0..n)
                    .filter(|&i| got[i].to_bits() != want[i].to_bits())
                    .count();
                assert_eq!(
                    differ, 0,
                    "jax normal f64 {cfg:?} seed {seed} n {n}: {differ} differ from the CPU's model of rcp.approx.ftz.f64"
                );
            }
        }
    }
    assert!(tail > 0);
    eprintln!(
        "jax normal on the GPU: f32 tail {tail_exact} of {tail} exact, worst {worst} ulp; the rest and f64 all equal"
    );
    // The CPU-only backend has no kernel, and the dtypes are f32 and f64.
    let cfg = Config::default();
    let key = Key::from_seed(1, cfg).unwrap();
    let e = on_gpu::<f16>(&gpu, 3, |v| gpu.jax_normal(&key, cfg, v)).unwrap_err();
    assert!(
        e.to_string().contains("normal cannot produce dtype 'f16'"),
        "{e}"
    );
}

#[test]
fn bad_requests_are_errors_before_any_launch() {
    let Some(gpu) = gpu_or_skip("bad_requests_are_errors_before_any_launch") else {
        return;
    };
    // A dtype the function does not make.
    let e = on_gpu::<f64>(&gpu, 4, |v| {
        gpu.curand_fill(CurandFn::Uniform, 1, 0, 0, 4, 0.0, 1.0, v)
    })
    .unwrap_err();
    assert!(e.to_string().contains("gives f32 elements"), "{e}");
    // A length that is not count x elements per call.
    let e = on_gpu::<f32>(&gpu, 5, |v| {
        gpu.curand_fill(CurandFn::Uniform4, 1, 0, 0, 1, 0.0, 1.0, v)
    })
    .unwrap_err();
    assert!(matches!(e, Error::LengthMismatch { .. }), "{e}");
    // Past the end of the subsequence.
    let e = on_gpu::<u32>(&gpu, 8, |v| {
        gpu.curand_fill(CurandFn::Curand, 1, 0, u64::MAX, 8, 0.0, 1.0, v)
    });
    assert!(
        e.is_ok(),
        "2^64 + 8 values are inside the 2^66 of a subsequence"
    );
    // 0 SMs; the generator does not move on an error.
    let mut g = torch::Generator::new(3);
    let zero = Geometry {
        sm_count: 0,
        threads_per_sm: 2048,
    };
    let e = on_gpu::<f32>(&gpu, 10, |v| {
        gpu.torch_fill(&mut g, zero, TorchOp::Uniform { from: 0.0, to: 1.0 }, v)
    })
    .unwrap_err();
    assert!(e.to_string().contains("0 SMs"), "{e}");
    assert_eq!(g, torch::Generator::new(3));
    // 64-bit JAX draws need x64.
    let cfg = Config::default();
    let key = Key::from_seed(1, cfg).unwrap();
    let e = on_gpu::<u64>(&gpu, 3, |v| gpu.jax_bits(&key, cfg, v)).unwrap_err();
    assert!(e.to_string().contains("x64"), "{e}");
}

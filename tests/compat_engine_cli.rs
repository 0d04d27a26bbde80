//! `cbrng compat ... --engine cpu|cuda|auto`: the compat kernels from the
//! program. With a usable GPU, `--engine cuda` and `auto` print what `cpu`
//! prints for every function whose device code is IEEE arithmetic; without
//! one, `cuda` is a one-line error and `auto` falls back to the CPU.
//! `CBRNG_REQUIRE_GPU=1` makes a missing GPU a failure.
#![cfg(feature = "cli")]
use std::process::{Command, Output};

/// The program: cargo's build of it, or, on the GPU machine where only the
/// packed executables travel (benches/gpu_pass.sh), `.gpu/bin/bin-cbrng`.
fn program() -> std::path::PathBuf {
    let built = std::path::PathBuf::from(env!("CARGO_BIN_EXE_cbrng"));
    let packed = std::path::PathBuf::from(".gpu/bin/bin-cbrng");
    if !built.exists() && packed.exists() {
        packed
    } else {
        built
    }
}

fn cbrng(args: &[&str]) -> Output {
    Command::new(program())
        .args(args)
        .output()
        .expect("the binary runs")
}

fn with_engine(args: &[&str], engine: &str) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.push("--engine".into());
    v.push(engine.into());
    v
}

/// Commands whose output must not depend on the engine.
const EXACT: &[&[&str]] = &[
    &[
        "compat", "curand", "--fn", "curand", "--seed", "7", "--offset", "3", "--count", "200",
    ],
    &[
        "compat",
        "curand",
        "--fn",
        "uniform4",
        "--seed",
        "7",
        "--subsequence",
        "9",
        "--count",
        "65",
    ],
    &[
        "compat",
        "curand",
        "--fn",
        "uniform-double",
        "--seed",
        "1",
        "--count",
        "129",
    ],
    &[
        "compat", "torch", "--op", "rand", "--seed", "3", "--numel", "50000", "--device", "t4",
    ],
    &[
        "compat",
        "torch",
        "--op",
        "uniform:-2,5",
        "--dtype",
        "bf16",
        "--seed",
        "3",
        "--numel",
        "999",
        "--device",
        "l4",
    ],
    &[
        "compat",
        "torch",
        "--op",
        "bernoulli:0.3",
        "--seed",
        "3",
        "--numel",
        "5000",
        "--sm-count",
        "1",
        "--threads-per-sm",
        "256",
    ],
    &[
        "compat",
        "torch",
        "--op",
        "dropout-mask:0.2",
        "--dtype",
        "f16",
        "--seed",
        "3",
        "--numel",
        "4096",
        "--device",
        "a100",
    ],
    &[
        "compat", "jax", "--seed", "42", "--fn", "bits", "--dtype", "u16", "--shape", "3,5",
    ],
    &[
        "compat", "jax", "--seed", "-1", "--fn", "uniform", "--dtype", "f64", "--x64", "true",
        "--shape", "100",
    ],
    &[
        "compat",
        "jax",
        "--seed",
        "5",
        "--fn",
        "uniform",
        "--partitionable",
        "false",
        "--shape",
        "33",
    ],
];

fn gpu_usable() -> bool {
    let ok = cbrng::cuda::default_gpu().is_ok();
    if !ok && std::env::var("CBRNG_REQUIRE_GPU").as_deref() == Ok("1") {
        panic!("CBRNG_REQUIRE_GPU=1 but no usable GPU");
    }
    ok
}

#[test]
fn every_engine_prints_the_cpu_s_elements_or_says_why_not() {
    let gpu = gpu_usable();
    for args in EXACT {
        let cpu = cbrng(
            &with_engine(args, "cpu")
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(
            cpu.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&cpu.stderr)
        );
        assert!(!cpu.stdout.is_empty());
        let auto = cbrng(
            &with_engine(args, "auto")
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(auto.status.success(), "{args:?} auto");
        assert!(
            auto.stdout == cpu.stdout,
            "{args:?}: --engine auto differs from cpu"
        );
        let cuda = cbrng(
            &with_engine(args, "cuda")
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        if gpu {
            assert!(
                cuda.status.success(),
                "{args:?} cuda: {}",
                String::from_utf8_lossy(&cuda.stderr)
            );
            assert!(
                cuda.stdout == cpu.stdout,
                "{args:?}: --engine cuda differs from cpu"
            );
        } else {
            let err = String::from_utf8_lossy(&cuda.stderr);
            assert_eq!(cuda.status.code(), Some(2), "{args:?}");
            assert!(cuda.stdout.is_empty());
            assert!(err.starts_with("cbrng: error: GPU:"), "{args:?}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        }
    }
}

fn normal_args(backend: &str, dtype: &str, engine: &str) -> Vec<String> {
    [
        "compat",
        "jax",
        "--seed",
        "5",
        "--x64",
        "true",
        "--fn",
        "normal",
        "--dtype",
        dtype,
        "--shape",
        "4099",
        "--backend",
        backend,
        "--engine",
        engine,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run(args: &[String]) -> Output {
    cbrng(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `--backend cpu` (XLA:CPU's arithmetic) has no device kernel: `cuda` says
/// so in one line, `auto` stays on the CPU.
#[test]
fn jax_normal_of_the_cpu_backend_stays_on_the_cpu() {
    let o = run(&normal_args("cpu", "f32", "cuda"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(
        err.contains("XLA:CPU's (--backend cpu) runs on the CPU only: use --engine cpu"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let a = run(&normal_args("cpu", "f32", "auto"));
    let c = run(&normal_args("cpu", "f32", "cpu"));
    assert!(c.status.success() && !c.stdout.is_empty());
    assert!(a.status.success() && a.stdout == c.stdout);
}

/// `--backend gpu --engine cuda` runs XLA:GPU's arithmetic on the device:
/// the CPU's model of it exactly but for the f32 tail (|x| >= 2.9, where
/// |u| may pass 0.99663 and the device's approximate root enters: within 3
/// ulp). Without a GPU, `cuda` is a one-line error and `auto` the CPU's.
#[test]
fn jax_normal_of_the_gpu_backend_runs_on_the_device() {
    let gpu = gpu_usable();
    for dtype in ["f32", "f64"] {
        let cpu = run(&normal_args("gpu", dtype, "cpu"));
        assert!(
            cpu.status.success(),
            "{}",
            String::from_utf8_lossy(&cpu.stderr)
        );
        let cuda = run(&normal_args("gpu", dtype, "cuda"));
        let auto = run(&normal_args("gpu", dtype, "auto"));
        assert!(auto.status.success());
        if !gpu {
            let err = String::from_utf8_lossy(&cuda.stderr);
            assert_eq!(cuda.status.code(), Some(2));
            assert!(err.starts_with("cbrng: error: GPU:"), "{err}");
            assert!(auto.stdout == cpu.stdout);
            continue;
        }
        assert!(
            cuda.status.success(),
            "{}",
            String::from_utf8_lossy(&cuda.stderr)
        );
        assert!(auto.stdout == cuda.stdout, "auto takes the GPU");
        let lines = |o: &Output| -> Vec<u64> {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| u64::from_str_radix(l, 16).unwrap())
                .collect()
        };
        let (c, g) = (lines(&cpu), lines(&cuda));
        assert_eq!(c.len(), 4099);
        assert_eq!(c.len(), g.len());
        for (i, (&c, &g)) in c.iter().zip(&g).enumerate() {
            if dtype == "f64" || f32::from_bits(c as u32).abs() < 2.9 {
                assert_eq!(c, g, "{dtype} element {i}");
            } else {
                assert!(
                    c.abs_diff(g) <= 3,
                    "f32 tail element {i}: {c:08x} vs {g:08x}"
                );
            }
        }
    }
}

//! Every kernel source compiles through NVRTC for sm_80 and sm_90 with the
//! options cbrng uses at run time (no FMA contraction, no fast-math), without
//! errors or warnings. Needs no GPU, only the NVRTC library: CI installs it
//! from PyPI (`nvidia-cuda-nvrtc==13.0.*`, see `.ci/run`). Without NVRTC the
//! test prints why it skipped, and fails when `CBRNG_REQUIRE_NVRTC=1`.
use cbrng::Algorithm;
use cbrng::cuda::{kernels, nvrtc, source};

fn nvrtc_or_skip(test: &str) -> bool {
    if nvrtc::nvrtc_present() {
        return true;
    }
    let why = "no NVRTC library on the loader path (LD_LIBRARY_PATH)";
    if std::env::var("CBRNG_REQUIRE_NVRTC").as_deref() == Ok("1") {
        panic!("{test}: CBRNG_REQUIRE_NVRTC=1 but {why}");
    }
    // Straight to stderr: the test harness captures eprintln!.
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!("SKIPPED {test}: {why}\n"),
    );
    false
}

fn example_kernel() -> String {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/cuda/user_kernel.cu");
    std::fs::read_to_string(p).expect("examples/cuda/user_kernel.cu")
}

/// Compiles and checks one unit: no log, the right target, no FMA, the
/// entries; returns the PTX.
fn check(
    arch: &str,
    name: &str,
    src: &str,
    defines: &[(String, String)],
    entries: &[String],
) -> String {
    let opts = nvrtc::kernel_options(arch, defines);
    let out = nvrtc::compile(src, name, &opts).unwrap_or_else(|e| panic!("{arch}: {e}"));
    assert!(
        out.log.is_empty(),
        "{name} for {arch} compiled with a log (warnings are errors here):\n{}",
        out.log
    );
    assert!(
        out.ptx.contains(&format!(".target {arch}")),
        "{name}: PTX for {arch}"
    );
    // No FMA anywhere: --fmad=false and the _rn intrinsics keep every
    // product and sum separately rounded, as on the CPU.
    assert!(
        !out.ptx.contains("fma."),
        "{name} for {arch}: PTX contains an FMA"
    );
    assert!(
        !out.ptx.contains("atom."),
        "{name} for {arch}: PTX contains an atomic"
    );
    for k in entries {
        assert!(
            out.ptx.contains(&format!(".entry {k}(")),
            "{name} for {arch}: no entry {k}"
        );
    }
    out.ptx
}

#[test]
fn fill_and_dropout_kernels_compile_cleanly_for_sm80_and_sm90() {
    if !nvrtc_or_skip("fill_and_dropout_kernels_compile_cleanly_for_sm80_and_sm90") {
        return;
    }
    let (major, minor) = nvrtc::nvrtc_version().unwrap();
    eprintln!("NVRTC {major}.{minor}");
    let src = source::amalgamate(&source::generator_kernels());
    for arch in ["sm_80", "sm_90"] {
        // The whole files, as nvcc users get them.
        check(
            arch,
            "fill.cu+dropout.cu",
            &src,
            &[],
            &kernels::kernel_names(),
        );
    }
}

#[test]
fn reduce_kernels_compile_cleanly_for_sm80_and_sm90() {
    if !nvrtc_or_skip("reduce_kernels_compile_cleanly_for_sm80_and_sm90") {
        return;
    }
    let src = source::amalgamate(&source::reduce_kernels());
    let entries: Vec<String> = ["f32", "f64", "f16", "bf16"]
        .iter()
        .map(|t| format!("cbrng_reduce_partial_{t}"))
        .chain(["cbrng_reduce_combine".to_string()])
        .collect();
    for arch in ["sm_80", "sm_90"] {
        check(arch, "reduce.cu", &src, &[], &entries);
    }
}

#[test]
fn bench_kernel_compiles_cleanly_for_sm80_and_sm90() {
    if !nvrtc_or_skip("bench_kernel_compiles_cleanly_for_sm80_and_sm90") {
        return;
    }
    let src = source::amalgamate(source::BENCH_KERNELS);
    for arch in ["sm_80", "sm_90"] {
        check(
            arch,
            "bench.cu",
            &src,
            &[],
            &["cbrng_bench_read".to_string()],
        );
    }
}

#[test]
fn per_generator_modules_compile_at_odd_round_counts() {
    if !nvrtc_or_skip("per_generator_modules_compile_at_odd_round_counts") {
        return;
    }
    let src = source::amalgamate(&source::generator_kernels());
    // The modules cbrng builds at run time, one per (generator, rounds).
    for name in [
        "philox4x32-7",
        "threefry2x64-13",
        "threefry4x32-72",
        "philox2x32-1",
    ] {
        let algo: Algorithm = name.parse().unwrap();
        let entries: Vec<String> = kernels::kernel_names()
            .into_iter()
            .filter(|k| k.contains(&format!("_{}", kernels::generator_name(algo))))
            .collect();
        assert_eq!(entries.len(), 18);
        check(
            "sm_90",
            name,
            &src,
            &kernels::module_defines(algo),
            &entries,
        );
    }
}

#[test]
fn the_user_kernel_example_compiles() {
    if !nvrtc_or_skip("the_user_kernel_example_compiles") {
        return;
    }
    let src = source::amalgamate(&example_kernel());
    for arch in ["sm_80", "sm_90"] {
        check(
            arch,
            "user_kernel.cu",
            &src,
            &[],
            &["dropout_with_noise".to_string()],
        );
    }
}

#[test]
fn a_compile_error_is_an_error_value_with_the_log() {
    if !nvrtc_or_skip("a_compile_error_is_an_error_value_with_the_log") {
        return;
    }
    let e = nvrtc::compile(
        "extern \"C\" __global__ void k() { undeclared_thing(); }",
        "bad.cu",
        &nvrtc::kernel_options::<&str, &str>("sm_80", &[]),
    )
    .unwrap_err();
    assert!(e.to_string().contains("undeclared_thing"), "{e}");
}

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

/// The fill and KAT kernels (`fill.cu`) and the dropout kernels
/// (`dropout.cu`): the two modules cbrng compiles per generator.
fn generator_units() -> [(&'static str, &'static str, &'static [&'static str]); 2] {
    [
        (
            "fill.cu",
            source::FILL_KERNELS,
            &["cbrng_fill_", "cbrng_kat_"],
        ),
        ("dropout.cu", source::DROPOUT_KERNELS, &["cbrng_dropout_"]),
    ]
}

fn entries_with(prefixes: &[&str], generator: Option<&str>) -> Vec<String> {
    kernels::kernel_names()
        .into_iter()
        .filter(|k| prefixes.iter().any(|p| k.starts_with(p)))
        .filter(|k| generator.is_none_or(|g| k.contains(&format!("_{g}"))))
        .collect()
}

#[test]
fn fill_and_dropout_kernels_compile_cleanly_for_sm80_and_sm90() {
    if !nvrtc_or_skip("fill_and_dropout_kernels_compile_cleanly_for_sm80_and_sm90") {
        return;
    }
    let (major, minor) = nvrtc::nvrtc_version().unwrap();
    eprintln!("NVRTC {major}.{minor}");
    for (name, body, prefixes) in generator_units() {
        let src = source::amalgamate(body);
        for arch in ["sm_80", "sm_90"] {
            // The whole file (every generator), as nvcc users get it.
            let ptx = check(arch, name, &src, &[], &entries_with(prefixes, None));
            // Registers only: a per-thread array indexed at run time would
            // spill to local memory (slow); these kernels index theirs at
            // compile time.
            assert!(
                !ptx.contains(".local"),
                "{name} uses local memory for {arch}"
            );
        }
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
    // The modules cbrng builds at run time, per (generator, rounds).
    for name in [
        "philox4x32-7",
        "threefry2x64-13",
        "threefry4x32-72",
        "philox2x32-1",
    ] {
        let algo: Algorithm = name.parse().unwrap();
        let g = kernels::generator_name(algo);
        for (unit, body, prefixes) in generator_units() {
            let entries = entries_with(prefixes, Some(g));
            assert_eq!(entries.len(), if unit == "fill.cu" { 14 } else { 4 });
            let src = source::amalgamate(body);
            check(
                "sm_90",
                &format!("{name} {unit}"),
                &src,
                &kernels::module_defines(algo),
                &entries,
            );
        }
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

//! Every kernel source compiles through NVRTC for sm_80, sm_90, sm_100 and
//! sm_120 with the options cbrng uses at run time (no FMA contraction, no
//! approximate math), without errors or warnings, and ptxas (through NVRTC)
//! places every kernel in registers without spilling at the block sizes cbrng
//! launches. Needs no GPU, only the NVRTC library: CI runs this file with
//! NVRTC 13.0 and again with NVRTC 12.9, both from PyPI (see `.ci/run`;
//! `CBRNG_EXPECT_NVRTC_MAJOR` makes the run check which one it loaded; the
//! 12.9 run skips the register check).
//! Without NVRTC the test prints why it skipped, and fails when
//! `CBRNG_REQUIRE_NVRTC=1`.
#![cfg(feature = "cuda")]
use cbrng::Algorithm;
use cbrng::cuda::{compat, kernels, nvrtc, source};

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

/// The architectures every module is compiled for: Ampere, Hopper,
/// Blackwell (data centre) and Blackwell (desktop).
const ARCHS: [&str; 4] = ["sm_80", "sm_90", "sm_100", "sm_120"];

#[test]
fn the_expected_nvrtc_is_loaded() {
    if !nvrtc_or_skip("the_expected_nvrtc_is_loaded") {
        return;
    }
    let (major, minor) = nvrtc::nvrtc_version().unwrap();
    let archs = nvrtc::supported_archs().unwrap();
    eprintln!("NVRTC {major}.{minor}, architectures {archs:?}");
    for a in [80, 90, 100, 120] {
        assert!(archs.contains(&a), "NVRTC {major}.{minor} lacks sm_{a}");
    }
    if let Ok(want) = std::env::var("CBRNG_EXPECT_NVRTC_MAJOR") {
        assert_eq!(major.to_string(), want, "CBRNG_EXPECT_NVRTC_MAJOR");
    }
}

/// What ptxas reports for one kernel: registers per thread and bytes spilled.
#[derive(Debug)]
struct KernelResources {
    registers: u32,
    spill_bytes: u32,
}

/// Compiles `src` for a real architecture with `--ptxas-options=-v` and reads
/// ptxas's report for each entry point.
fn ptxas_report(
    arch: &str,
    name: &str,
    src: &str,
    defines: &[(String, String)],
) -> std::collections::HashMap<String, KernelResources> {
    let mut opts = nvrtc::kernel_options(arch, defines);
    opts.push("--ptxas-options=-v".into());
    let out = nvrtc::compile(src, name, &opts).unwrap_or_else(|e| panic!("{arch}: {e}"));
    let mut map = std::collections::HashMap::new();
    let mut current: Option<String> = None;
    let mut spill = 0u32;
    for line in out.log.lines() {
        let line = line.trim_start_matches("ptxas").trim();
        if let Some(rest) = line.strip_prefix("info    : Function properties for ") {
            current = Some(rest.trim().to_string());
            spill = 0;
        } else if line.contains("spill stores") {
            // ". 0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads"
            let nums: Vec<u32> = line
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|w| w.parse().ok())
                .collect();
            spill = nums.get(1).copied().unwrap_or(0) + nums.get(2).copied().unwrap_or(0);
        } else if let Some(i) = line.find("Used ") {
            let regs: u32 = line[i + 5..]
                .split_whitespace()
                .next()
                .and_then(|w| w.parse().ok())
                .unwrap_or_else(|| panic!("unreadable ptxas line {line:?}"));
            if let Some(k) = current.take() {
                map.insert(
                    k,
                    KernelResources {
                        registers: regs,
                        spill_bytes: spill,
                    },
                );
            }
        }
    }
    assert!(
        !map.is_empty(),
        "{name} {arch}: no ptxas report in\n{}",
        out.log
    );
    map
}

/// Most threads a block of a kernel using `regs` registers a thread can have
/// on sm_80..sm_120 (64 Ki registers per block and per SM, allocated per warp
/// in units of 256): what `CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK` reports.
fn max_threads_for(regs: u32) -> u32 {
    let per_warp = (regs * 32).div_ceil(256) * 256;
    ((65536 / per_warp) * 32).min(1024)
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

/// The whole files, every generator together as nvcc users get them, go
/// through NVRTC's front end (`-fdevice-syntax-only`: types, overloads, name
/// clashes, warnings) on every architecture; the code generation and ptxas
/// run on the per-generator modules cbrng builds at run time (machine code
/// for `sm_XY`), two generators on each architecture so that the four
/// architectures cover all eight generators. Generating code for the whole
/// file on every architecture took over three minutes of CI for no check
/// that this split misses: the generators' kernels are disjoint.
#[test]
fn fill_and_dropout_kernels_compile_cleanly_for_every_arch() {
    if !nvrtc_or_skip("fill_and_dropout_kernels_compile_cleanly_for_every_arch") {
        return;
    }
    let (major, minor) = nvrtc::nvrtc_version().unwrap();
    eprintln!("NVRTC {major}.{minor}");
    let generators = Algorithm::all_default();
    assert_eq!(generators.len(), 2 * ARCHS.len());
    for (name, body, prefixes) in generator_units() {
        let src = source::amalgamate(body);
        for (i, arch) in ARCHS.into_iter().enumerate() {
            let mut opts = nvrtc::kernel_options::<&str, &str>(arch, &[]);
            opts.push("-fdevice-syntax-only".into());
            let out = nvrtc::compile(&src, name, &opts).unwrap_or_else(|e| panic!("{arch}: {e}"));
            assert!(
                out.log.is_empty(),
                "{name} (every generator) for {arch}: a log (warnings are errors here):\n{}",
                out.log
            );
            for algo in &generators[2 * i..2 * i + 2] {
                let entries = entries_with(prefixes, Some(kernels::generator_name(*algo)));
                assert!(!entries.is_empty(), "{algo} {name}: no entries");
                let ptx = check(
                    arch,
                    &format!("{algo} {name}"),
                    &src,
                    &kernels::module_defines(*algo),
                    &entries,
                );
                // Registers only: a per-thread array indexed at run time
                // would spill to local memory (slow); these kernels index
                // theirs at compile time.
                assert!(
                    !ptx.contains(".local"),
                    "{algo} {name} uses local memory for {arch}"
                );
            }
        }
    }
}

#[test]
fn reduce_kernels_compile_cleanly_for_every_arch() {
    if !nvrtc_or_skip("reduce_kernels_compile_cleanly_for_every_arch") {
        return;
    }
    let src = source::amalgamate(&source::reduce_kernels());
    let entries: Vec<String> = ["f32", "f64", "f16", "bf16"]
        .iter()
        .map(|t| format!("cbrng_reduce_partial_{t}"))
        .chain(
            [
                "cbrng_reduce_combine",
                "cbrng_reduce_to_limbs",
                "cbrng_reduce_from_limbs",
            ]
            .map(String::from),
        )
        .collect();
    for arch in ARCHS {
        check(arch, "reduce.cu", &src, &[], &entries);
    }
}

/// The fill and dropout kernels launch 256 threads a block and the exact-sum
/// kernels 256 by default (`Gpu::reduce_max_threads` says how many more a
/// device allows): ptxas must fit every kernel at that size on every
/// architecture without spilling registers to local memory. The exact-sum
/// kernels may allow fewer than 1024 threads (sm_100 gives the bf16 one 188
/// registers): that limit is read from the loaded kernel at run time, and
/// shapes above it are refused, so none fails to launch. The compat kernels
/// (256 threads a block, grid-stride) are held to the same.
#[test]
fn every_kernel_fits_its_block_size_in_registers_on_every_arch() {
    if !nvrtc_or_skip("every_kernel_fits_its_block_size_in_registers_on_every_arch") {
        return;
    }
    let algo = Algorithm::PHILOX4X32_10;
    type Unit = (&'static str, String, Vec<(String, String)>);
    let units: Vec<Unit> = vec![
        (
            "fill.cu",
            source::amalgamate(source::FILL_KERNELS),
            kernels::module_defines(algo),
        ),
        (
            "dropout.cu",
            source::amalgamate(source::DROPOUT_KERNELS),
            kernels::module_defines(algo),
        ),
        (
            "reduce.cu",
            source::amalgamate(&source::reduce_kernels()),
            Vec::new(),
        ),
        (
            "shuffle.cu",
            source::amalgamate(source::SHUFFLE_KERNELS),
            Vec::new(),
        ),
    ];
    for arch in ARCHS {
        // The compat kernels, with the options they run with.
        let compat_src = source::amalgamate(&compat::compat_kernels());
        let mut opts = compat::compat_options(arch);
        opts.push("--ptxas-options=-v".into());
        let out = nvrtc::compile(&compat_src, "compat.cu", &opts).unwrap();
        let spills: Vec<&str> = out
            .log
            .lines()
            .filter(|l| l.contains("spill stores") && !l.contains(" 0 bytes spill stores"))
            .collect();
        assert!(spills.is_empty(), "compat.cu on {arch} spills: {spills:?}");
        let regs: Vec<u32> = out
            .log
            .lines()
            .filter_map(|l| l.split("Used ").nth(1))
            .filter_map(|r| r.split_whitespace().next()?.parse().ok())
            .collect();
        assert_eq!(
            regs.len(),
            compat::compat_kernel_names().len(),
            "{}",
            out.log
        );
        let most = regs.iter().copied().max().unwrap();
        assert!(
            max_threads_for(most) >= 256,
            "compat.cu on {arch}: {most} registers"
        );
        eprintln!("{arch}: compat kernels use at most {most} registers");
        for (name, src, defines) in &units {
            let report = ptxas_report(arch, name, src, defines);
            for (kernel, r) in &report {
                assert_eq!(
                    r.spill_bytes, 0,
                    "{kernel} on {arch} spills registers: {r:?}"
                );
                assert!(
                    max_threads_for(r.registers) >= 256,
                    "{kernel} on {arch}: {r:?} allows only {} threads a block",
                    max_threads_for(r.registers)
                );
            }
            let partial: Vec<_> = report
                .iter()
                .filter(|(k, _)| k.starts_with("cbrng_reduce_partial_"))
                .map(|(k, r)| format!("{k} {} regs", r.registers))
                .collect();
            if !partial.is_empty() {
                eprintln!("{arch}: {}", partial.join(", "));
            }
        }
    }
}

/// The device-function headers refuse to build under flush-to-zero (which
/// nvcc's and NVRTC's fast math flag implies): the `_rn` intrinsics would
/// become `.ftz` and the bits would no longer be the CPU's. Defining
/// `CBRNG_ALLOW_FTZ` accepts that.
#[test]
fn the_headers_refuse_flush_to_zero() {
    if !nvrtc_or_skip("the_headers_refuse_flush_to_zero") {
        return;
    }
    let src = source::amalgamate(&example_kernel());
    let base = nvrtc::kernel_options::<&str, &str>("sm_90", &[]);
    let without_ftz_false: Vec<String> = base
        .iter()
        .filter(|o| !o.starts_with("--ftz"))
        .cloned()
        .collect();
    for flag in ["--use_fast_math", "--ftz=true"] {
        let mut opts = without_ftz_false.clone();
        opts.push(flag.into());
        let e = nvrtc::compile(&src, "user_kernel.cu", &opts)
            .expect_err(&format!("{flag} must be refused"));
        assert!(
            e.to_string().contains("flush-to-zero"),
            "{flag}: unexpected error {e}"
        );
        opts.push("-DCBRNG_ALLOW_FTZ=1".into());
        nvrtc::compile(&src, "user_kernel.cu", &opts)
            .unwrap_or_else(|e| panic!("{flag} with CBRNG_ALLOW_FTZ: {e}"));
    }
}

/// The permutation's kernels (`shuffle.cu`): every gather and index kernel,
/// no FMA, atomics or local memory (the round keys stay in registers: the
/// rounds are unrolled, so every key index is a constant).
#[test]
fn shuffle_kernels_compile_cleanly_for_every_arch() {
    if !nvrtc_or_skip("shuffle_kernels_compile_cleanly_for_every_arch") {
        return;
    }
    let src = source::amalgamate(source::SHUFFLE_KERNELS);
    let entries: Vec<String> = kernels::SHUFFLE_KERNEL_NAMES
        .iter()
        .map(|k| k.to_string())
        .collect();
    for arch in ARCHS {
        let ptx = check(arch, "shuffle.cu", &src, &[], &entries);
        assert!(
            !ptx.contains(".local"),
            "shuffle.cu uses local memory for {arch}"
        );
        // One 32x32-bit multiply pair a round (mul.hi and mul.lo), no
        // 64-bit multiply: the definition's arithmetic and nothing else.
        assert!(ptx.contains("mul.hi.u32"), "{arch}: no mul.hi.u32");
    }
}

#[test]
fn bench_kernel_compiles_cleanly_for_every_arch() {
    if !nvrtc_or_skip("bench_kernel_compiles_cleanly_for_every_arch") {
        return;
    }
    let src = source::amalgamate(source::BENCH_KERNELS);
    for arch in ARCHS {
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
            assert_eq!(
                entries.len(),
                if unit == "fill.cu" {
                    kernels::DIST_NAMES.len() + 1
                } else {
                    4
                }
            );
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
    for arch in ARCHS {
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

/// The compat kernels (kernels/compat, launched by `cbrng::cuda::compat`)
/// compile for every architecture, with the options they run with
/// (`compat_options`: cbrng's, but `--fmad=true` as nvcc's default builds of
/// cuRAND and PyTorch), without a log and with every entry point; cuRAND's
/// float Box-Muller reaches the special-function unit (`sin.approx.f32`,
/// `cos.approx.f32`), as cuRAND's own device code does, and JAX's `normal`
/// the approximate square root and reciprocal seed XLA:GPU's code reaches
/// (`sqrt.approx.f32`, `rcp.approx.ftz.f64`) and libdevice's `add.rz.f32`. Their own arithmetic
/// does not depend on `--fmad`: with CUDA's math functions replaced by
/// integer stand-ins (`CBRNG_COMPAT_OPAQUE_MATH`), the PTX under
/// `--fmad=false` and `--fmad=true` is the same, and holds the FMAs written
/// on purpose (`fma.rn`).
#[test]
fn compat_kernels_compile_cleanly_and_their_arithmetic_does_not_depend_on_fmad() {
    if !nvrtc_or_skip("compat_kernels_compile_cleanly_and_their_arithmetic_does_not_depend_on_fmad")
    {
        return;
    }
    let src = source::amalgamate(&compat::compat_kernels());
    let entries = compat::compat_kernel_names();
    assert_eq!(entries.len(), 8 + 13 + 10);
    for arch in ARCHS {
        let opts = compat::compat_options(arch);
        assert!(opts.iter().any(|o| o == "--fmad=true"));
        assert!(opts.iter().any(|o| o == "--ftz=false"));
        let out =
            nvrtc::compile(&src, "compat.cu", &opts).unwrap_or_else(|e| panic!("{arch}: {e}"));
        assert!(
            out.log.is_empty(),
            "compat.cu for {arch} compiled with a log:\n{}",
            out.log
        );
        assert!(out.ptx.contains(&format!(".target {arch}")));
        for k in &entries {
            assert!(
                out.ptx.contains(&format!(".entry {k}(")),
                "compat.cu for {arch}: no entry {k}"
            );
        }
        assert!(
            !out.ptx.contains("atom."),
            "compat.cu for {arch}: an atomic"
        );
        for approx in [
            "sin.approx.f32",
            "cos.approx.f32",
            "sqrt.approx.f32",
            "rcp.approx.ftz.f64",
            "add.rz.f32",
        ] {
            assert!(
                out.ptx.contains(approx),
                "compat.cu for {arch}: no {approx}"
            );
        }
        // The compat kernels' own arithmetic, under both settings (on the
        // oldest and newest architectures: NVVM's PTX is the same code).
        if arch != "sm_80" && arch != "sm_120" {
            continue;
        }
        let opaque = |fmad: &str| {
            let mut o: Vec<String> = opts
                .iter()
                .map(|x| {
                    if x.starts_with("--fmad=") {
                        fmad.to_string()
                    } else {
                        x.clone()
                    }
                })
                .collect();
            o.push("-DCBRNG_COMPAT_OPAQUE_MATH=1".into());
            nvrtc::compile(&src, "compat.cu", &o)
                .unwrap_or_else(|e| panic!("{arch} {fmad}: {e}"))
                .ptx
        };
        let (unfused, fused) = (opaque("--fmad=false"), opaque("--fmad=true"));
        assert!(unfused.contains("fma.rn.f32") && unfused.contains("fma.rn.f64"));
        assert!(
            !unfused.contains("sin.approx"),
            "the stand-ins replace the intrinsic"
        );
        if fused != unfused {
            let a: Vec<&str> = unfused.lines().collect();
            let b: Vec<&str> = fused.lines().collect();
            let i = a
                .iter()
                .zip(&b)
                .position(|(x, y)| x != y)
                .unwrap_or(a.len().min(b.len()));
            panic!(
                "compat.cu for {arch}: the kernels' own PTX changes with --fmad=true, first at line {i}: {:?} vs {:?}",
                a.get(i),
                b.get(i)
            );
        }
    }
}

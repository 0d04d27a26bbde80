//! The GPU paths against a stand-in CUDA driver, without a GPU: a stub
//! libcuda (`tests/driver_stub/libcuda_stub.c`, built here with gcc) that
//! exports exactly `cbrng::cuda::REQUIRED_DRIVER_SYMBOLS`, reports the driver
//! version, compute capability and module-load result the test asks for,
//! serves host memory as device memory and launches nothing. With it, and
//! the real NVRTC (which CI installs from PyPI), the program and the library
//! take their real GPU code paths up to the kernels:
//!
//! * a driver older than NVRTC, an architecture NVRTC does not know (old or
//!   new), a module the driver refuses: `--device auto` falls back to the CPU
//!   with one line on stderr and the CPU's bytes; `--device cuda` fails with
//!   one line;
//! * CUBIN for a known architecture, PTX for a newer one;
//! * every command on the stub: no panic (a cudarc call of a symbol missing
//!   from the list would panic here, so the list stays complete);
//! * misaligned buffers, buffers on another device and exact-sum shapes above
//!   the kernel's limit are errors before any launch (library checks, run in
//!   a child of this test binary so the loader sees the stub).
//!
//! The stub's kernels do nothing, so its outputs are zeros: these tests check
//! paths and messages, never the bits (tests/gpu_*.rs do on a GPU). Without
//! gcc or NVRTC they print why they skipped; `CBRNG_REQUIRE_GXX=1` or
//! `CBRNG_REQUIRE_NVRTC=1` (set by .ci/run) make that a failure.
#![cfg(feature = "cli")]
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn skip(test: &str, why: &str, require: &str) {
    if std::env::var(require).as_deref() == Ok("1") {
        panic!("{test}: {require}=1 but {why}");
    }
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!("SKIPPED {test}: {why}\n"),
    );
}

/// The folder holding the built stub (`libcuda.so`).
fn build_stub() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("tests/driver_stub/libcuda_stub.c");
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("driver_stub-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let lib = dir.join("libcuda.so");
    let out = Command::new("gcc")
        .args(["-shared", "-fPIC", "-fvisibility=hidden", "-O1"])
        .args(["-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&lib)
        .arg(&src)
        .output()
        .map_err(|e| format!("no C compiler 'gcc' ({e})"))?;
    assert!(
        out.status.success(),
        "the stub does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Only `libcuda.so`, which cudarc tries first: NVRTC itself looks for
    // `libcuda.so.1` and must not find the stub.
    Ok(dir)
}

/// The stub's folder, or `None` after printing why `test` is skipped.
fn stub_or_skip(test: &str) -> Option<PathBuf> {
    static STUB: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    if !cbrng::cuda::nvrtc::nvrtc_present() {
        skip(
            test,
            "no NVRTC library on the loader path (LD_LIBRARY_PATH)",
            "CBRNG_REQUIRE_NVRTC",
        );
        return None;
    }
    match STUB.get_or_init(build_stub) {
        Ok(dir) => Some(dir.clone()),
        Err(why) => {
            skip(test, why, "CBRNG_REQUIRE_GXX");
            None
        }
    }
}

/// The loaded NVRTC's major and minor version.
fn nvrtc() -> (i32, i32) {
    cbrng::cuda::nvrtc::nvrtc_version().unwrap()
}

/// `LD_LIBRARY_PATH` with the stub's folder first.
fn loader_path(stub: &Path) -> String {
    match std::env::var("LD_LIBRARY_PATH") {
        Ok(p) if !p.is_empty() => format!("{}:{p}", stub.display()),
        _ => stub.display().to_string(),
    }
}

/// Runs the program on the stub with the given knobs.
fn cbrng(stub: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cbrng"));
    c.args(args)
        .env("LD_LIBRARY_PATH", loader_path(stub))
        .env("RUST_BACKTRACE", "0");
    for k in [
        "STUB_DRIVER_VERSION",
        "STUB_CC",
        "STUB_MODULE_LOAD",
        "STUB_PTR_DEVICE",
        "STUB_MAX_THREADS",
        "STUB_LOG",
    ] {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run cbrng")
}

/// The same command on the CPU, without the stub.
fn cpu(args: &[&str]) -> Vec<u8> {
    let mut a: Vec<&str> = args.to_vec();
    if let Some(i) = a.iter().position(|x| *x == "--device") {
        a[i + 1] = "cpu";
    }
    let out = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(&a)
        .output()
        .unwrap();
    assert!(out.status.success(), "{a:?} on the CPU failed");
    out.stdout
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// No panic, and stderr is exactly `lines` lines.
fn assert_clean(out: &Output, lines: usize, what: &str) {
    let err = text(&out.stderr);
    assert!(
        !err.contains("panicked") && out.status.code() != Some(101),
        "{what}: panicked\n{err}"
    );
    assert_eq!(
        err.lines().count(),
        lines,
        "{what}: expected {lines} line(s) on stderr, got:\n{err}"
    );
}

const FILL: [&str; 9] = [
    "fill",
    "--device",
    "auto",
    "--algo",
    "philox4x32-10",
    "--seed",
    "7",
    "--count",
    "1000",
];

fn with_device<'a>(args: &[&'a str], device: &'a str) -> Vec<&'a str> {
    let mut a = args.to_vec();
    a[2] = device;
    a
}

#[test]
fn the_stub_exports_exactly_the_required_symbols() {
    let Some(stub) = stub_or_skip("the_stub_exports_exactly_the_required_symbols") else {
        return;
    };
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(stub.join("libcuda.so"))
        .output()
        .expect("nm (binutils)");
    let mut exported: Vec<String> = text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .filter(|s| s.starts_with("cu"))
        .collect();
    exported.sort();
    let mut required: Vec<String> = cbrng::cuda::REQUIRED_DRIVER_SYMBOLS
        .iter()
        .map(|s| s.to_string())
        .collect();
    required.sort();
    assert_eq!(exported, required);
}

#[test]
fn a_driver_older_than_nvrtc_falls_back_to_the_cpu_in_one_line() {
    let Some(stub) = stub_or_skip("a_driver_older_than_nvrtc_falls_back_to_the_cpu_in_one_line")
    else {
        return;
    };
    let (major, minor) = nvrtc();
    let older = (major - 1) * 1000 + 40;
    let env = [("STUB_DRIVER_VERSION", older.to_string())];
    let out = cbrng(&stub, &env, &FILL);
    assert!(out.status.success());
    assert_clean(&out, 1, "auto, older driver");
    let err = text(&out.stderr);
    assert!(err.starts_with("cbrng: device: cpu ("), "{err}");
    for needle in [
        format!("NVRTC {major}.{minor}"),
        format!("CUDA {}.4 driver", major - 1),
        format!("nvidia-cuda-nvrtc-cu{}", major - 1),
    ] {
        if major > 11 || !needle.starts_with("nvidia") {
            assert!(err.contains(&needle), "{needle:?} not in {err}");
        }
    }
    assert_eq!(out.stdout, cpu(&FILL), "the fallback's bytes are the CPU's");
    let out = cbrng(&stub, &env, &with_device(&FILL, "cuda"));
    assert_eq!(out.status.code(), Some(2));
    assert_clean(&out, 1, "cuda, older driver");
    assert!(text(&out.stderr).starts_with("cbrng: error: GPU: NVRTC"));
}

#[test]
fn a_module_the_driver_refuses_falls_back_to_the_cpu() {
    let Some(stub) = stub_or_skip("a_module_the_driver_refuses_falls_back_to_the_cpu") else {
        return;
    };
    // CUDA_ERROR_UNSUPPORTED_PTX_VERSION, after every version check passed.
    let env = [("STUB_MODULE_LOAD", "222".to_string())];
    let out = cbrng(&stub, &env, &FILL);
    assert!(out.status.success());
    assert_clean(&out, 1, "auto, module refused");
    let err = text(&out.stderr);
    assert!(
        err.starts_with("cbrng: device: cpu (") && err.contains("UNSUPPORTED_PTX_VERSION"),
        "{err}"
    );
    assert_eq!(out.stdout, cpu(&FILL));
    let out = cbrng(&stub, &env, &with_device(&FILL, "cuda"));
    assert_eq!(out.status.code(), Some(2));
    assert_clean(&out, 1, "cuda, module refused");
}

#[test]
fn architectures_nvrtc_does_not_know() {
    let Some(stub) = stub_or_skip("architectures_nvrtc_does_not_know") else {
        return;
    };
    let log =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("stub-log-{}", std::process::id()));
    let run = |cc: &str| {
        let _ = std::fs::remove_file(&log);
        let env = [
            ("STUB_CC", cc.to_string()),
            ("STUB_LOG", log.display().to_string()),
        ];
        let out = cbrng(&stub, &env, &FILL);
        let loads = std::fs::read_to_string(&log).unwrap_or_default();
        (out, loads)
    };
    // Its own architecture: machine code, no JIT.
    let (out, loads) = run("90");
    assert_clean(&out, 1, "sm_90");
    assert!(text(&out.stderr).contains("device: cuda (sm_90)"));
    assert!(
        !loads.is_empty() && loads.lines().all(|l| l == "cubin"),
        "{loads}"
    );
    // A minor version NVRTC does not list (sm_92): the sm_90 machine code,
    // which the device runs.
    let (out, loads) = run("92");
    assert!(text(&out.stderr).contains("device: cuda (sm_90)"));
    assert!(loads.lines().all(|l| l == "cubin"), "{loads}");
    // Newer than NVRTC knows: PTX for the newest architecture it lists,
    // compiled forward by the driver.
    let newest = *cbrng::cuda::nvrtc::supported_archs()
        .unwrap()
        .iter()
        .max()
        .unwrap();
    let (out, loads) = run("150");
    assert_clean(&out, 1, "sm_150");
    assert!(
        text(&out.stderr).contains(&format!("device: cuda (compute_{newest})")),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !loads.is_empty() && loads.lines().all(|l| l.starts_with("ptx .target sm_")),
        "{loads}"
    );
    // Older than NVRTC supports: the CPU, and why.
    let (out, _) = run("30");
    assert!(out.status.success());
    assert_clean(&out, 1, "sm_30");
    assert!(
        text(&out.stderr).contains("older than NVRTC"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.stdout, cpu(&FILL));
}

#[test]
fn no_driver_falls_back_to_the_cpu_and_says_so() {
    if cbrng::cuda::driver_present() {
        skip(
            "no_driver_falls_back_to_the_cpu_and_says_so",
            "this machine has a CUDA driver",
            "CBRNG_REQUIRE_NO_DRIVER",
        );
        return;
    }
    // Quiet by default (issue 15): a machine without a CUDA driver is the
    // usual CPU machine, not news.
    let out = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(FILL)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_clean(&out, 0, "no driver");
    assert_eq!(out.stdout, cpu(&FILL));
    // Under --verbose: one line saying why.
    let out = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(FILL)
        .arg("--verbose")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_clean(&out, 1, "no driver, --verbose");
    assert!(
        text(&out.stderr).contains("no CUDA driver"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.stdout, cpu(&FILL));
}

#[test]
fn every_command_runs_on_the_stub_without_a_panic() {
    let Some(stub) = stub_or_skip("every_command_runs_on_the_stub_without_a_panic") else {
        return;
    };
    let npy =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("stub-{}.npy", std::process::id()));
    let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
    let mut h = header.to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
    bytes.extend_from_slice(h.as_bytes());
    for x in [1e30f32, 1.0, -1e30] {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(&npy, bytes).unwrap();
    let npy = npy.display().to_string();
    // Drivers without cuEventElapsedTime_v2 (the stub has only the old one)
    // included: `bench` times with events before it needs cuRAND, which the
    // stub machine lacks (a clean error).
    let commands: Vec<Vec<&str>> = vec![
        with_device(&FILL, "cuda"),
        vec![
            "fill",
            "--device",
            "cuda",
            "--algo",
            "threefry2x64-20",
            "--seed",
            "1",
            "--count",
            "77",
            "--dist",
            "normal",
            "--dtype",
            "f64",
        ],
        vec!["sum", "--device", "cuda", &npy],
        vec!["sum", "--device", "auto", &npy],
        vec!["info"],
        vec!["bench", "--device", "cuda", "--mib", "1", "--runs", "20"],
    ];
    for args in &commands {
        let out = cbrng(&stub, &[], args);
        let err = text(&out.stderr);
        assert!(
            !err.contains("panicked") && out.status.code() != Some(101),
            "{args:?} panicked on the stub:\n{err}"
        );
        assert!(
            out.status.success() || err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // The library: a child of this binary runs the checks below on the stub.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "library_checks_on_the_stub",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LD_LIBRARY_PATH", loader_path(&stub))
        .env("CBRNG_STUB_CHILD", "1")
        .env("STUB_MAX_THREADS", "320")
        .output()
        .unwrap();
    assert!(
        out.status.success() && text(&out.stdout).contains("library checks on the stub: ok"),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Run by `every_command_runs_on_the_stub_without_a_panic` in a child
/// process whose loader finds the stub; does nothing otherwise.
#[test]
#[ignore = "runs only as a child of every_command_runs_on_the_stub_without_a_panic"]
fn library_checks_on_the_stub() {
    use cbrng::cuda::ReduceShape;
    use cbrng::dist::Distribution;
    use cbrng::{Algorithm, Stream};
    if std::env::var("CBRNG_STUB_CHILD").as_deref() != Ok("1") {
        return;
    }
    let gpu = cbrng::cuda::default_gpu().expect("a Gpu on the stub");
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0).unwrap();
    let st = gpu.stream().clone();
    let mut bytes = st.alloc_zeros::<u8>(4096).unwrap();
    // An aligned view fills; a view one byte in is refused before launch.
    {
        let mut v = bytes.slice_mut(0..4000);
        // SAFETY: 4000 bytes hold 1000 f32.
        let mut f = unsafe { v.transmute_mut::<f32>(1000) }.unwrap();
        gpu.fill(&s, &Distribution::Uniform, 0, &mut f).unwrap();
    }
    {
        let mut v = bytes.slice_mut(1..4001);
        // SAFETY: 4000 bytes hold 1000 f32 (misaligned on purpose).
        let mut f = unsafe { v.transmute_mut::<f32>(1000) }.unwrap();
        let e = gpu.fill(&s, &Distribution::Uniform, 0, &mut f).unwrap_err();
        assert!(e.to_string().contains("not aligned"), "{e}");
        let d = cbrng::dropout::Dropout::new(s, 0.5).unwrap();
        let e = gpu.dropout_forward_in_place(&d, 0, &mut f).unwrap_err();
        assert!(e.to_string().contains("not aligned"), "{e}");
    }
    // Ranges ending at element 2^64 are the device's limit; one more is refused.
    {
        let mut v = bytes.slice_mut(0..64);
        // SAFETY: 64 bytes hold 16 u32.
        let mut w = unsafe { v.transmute_mut::<u32>(16) }.unwrap();
        gpu.fill(&s, &Distribution::Bits, u64::MAX - 15, &mut w)
            .unwrap();
        let e = gpu
            .fill(&s, &Distribution::Bits, u64::MAX - 14, &mut w)
            .unwrap_err();
        assert!(e.to_string().contains("below 2^64"), "{e}");
    }
    // The exact-sum kernels' block limit comes from the loaded kernel.
    assert_eq!(gpu.reduce_max_threads::<f32>().unwrap(), 320);
    let x = st.clone_htod(&[1.0f32; 64]).unwrap();
    let e = gpu
        .sum_state_with(&x, ReduceShape::new(1, 1024).unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("allows at most 320"), "{e}");
    gpu.sum_state_with(&x, ReduceShape::new(1, 320).unwrap())
        .unwrap();
    // The raw-pointer sum (what the Python package calls for device
    // arrays): every check before any launch, one line each.
    {
        use cbrng::cudarc::driver::DevicePtr;
        use cbrng::dist::DType;
        let (p, _record) = x.device_ptr(&st);
        // SAFETY: `x` holds 64 f32 (fewer are read); the refused calls
        // read nothing.
        unsafe {
            let ok = gpu.sum_state_raw(DType::F32, p, 64).unwrap();
            assert_eq!(ok, gpu.sum_state(&x).unwrap());
            let ok16 = gpu.sum_state_raw(DType::BF16, p, 128).unwrap();
            assert_eq!(ok16.count(), 0, "the stub's kernels write nothing");
            gpu.sum_state_raw(DType::F16, p + 2, 3).unwrap();
            gpu.sum_state_raw(DType::F64, p, 32).unwrap();
            let empty = gpu.sum_state_raw(DType::F32, 0, 0).unwrap();
            assert_eq!(empty, cbrng::reduce::Accumulator::new());
            for (dt, ptr, n, needle) in [
                (DType::U32, p, 4, "not u32"),
                (DType::I64, p, 4, "f32, f64, f16 or bf16"),
                (DType::Bool, 0, 0, "not bool"),
                (DType::F32, 0, 4, "null device pointer"),
                (DType::F32, p + 2, 4, "not aligned to its 4-byte elements"),
                (DType::F64, p + 4, 4, "not aligned to its 8-byte elements"),
                (
                    DType::F32,
                    p,
                    usize::MAX / 2,
                    "past the end of the 64-bit address space",
                ),
                (DType::F16, u64::MAX - 1, 2, "past the end"),
            ] {
                let e = gpu.sum_state_raw(dt, ptr, n).unwrap_err();
                let m = e.to_string();
                assert!(m.contains(needle), "{dt} {ptr:#x} {n}: {m}");
                assert!(!m.contains('\n'), "one line: {m}");
                assert!(matches!(e, cbrng::Error::BadParameter { .. }), "{m}");
            }
        }
        assert_eq!(cbrng::cuda::pointer_device(p).unwrap(), 0);
        // The raw copy to the host (the stub's memory is the host's).
        // SAFETY: `x` holds 256 bytes; the refused calls read nothing.
        unsafe {
            let want: Vec<u8> = [1.0f32; 64].iter().flat_map(|v| v.to_le_bytes()).collect();
            assert_eq!(gpu.copy_raw_to_host(p, want.len()).unwrap(), want);
            assert_eq!(gpu.copy_raw_to_host(p + 3, 5).unwrap(), want[3..8]);
            assert!(gpu.copy_raw_to_host(0, 0).unwrap().is_empty());
            for (ptr, n, needle) in [
                (0, 4, "null device pointer"),
                (u64::MAX - 1, 4, "past the end"),
            ] {
                let e = gpu.copy_raw_to_host(ptr, n).unwrap_err();
                let m = e.to_string();
                assert!(m.contains(needle), "{ptr:#x} {n}: {m}");
                assert!(!m.contains('\n'), "one line: {m}");
                assert!(matches!(e, cbrng::Error::BadParameter { .. }), "{m}");
            }
        }
    }
    // A handle on another stream of the same context shares the kernels.
    let other = gpu.with_stream(gpu.context().default_stream()).unwrap();
    other.prepare(Algorithm::PHILOX4X32_10).unwrap();
    drop(x);
    drop(bytes);
    // Memory the driver places on another device is refused.
    // SAFETY: setting a variable the stub reads on each call; this child
    // process runs one test on one thread.
    unsafe { std::env::set_var("STUB_PTR_DEVICE", "1") };
    let mut y = st.alloc_zeros::<f32>(16).unwrap();
    let e = gpu.fill(&s, &Distribution::Uniform, 0, &mut y).unwrap_err();
    assert!(e.to_string().contains("on CUDA device 1"), "{e}");
    {
        use cbrng::cudarc::driver::DevicePtr;
        let (p, _record) = y.device_ptr(&st);
        assert_eq!(cbrng::cuda::pointer_device(p).unwrap(), 1);
        // SAFETY: `y` holds 16 f32; the call is refused before any launch.
        let e = unsafe { gpu.sum_state_raw(cbrng::dist::DType::F32, p, 16) }.unwrap_err();
        assert!(e.to_string().contains("on CUDA device 1"), "{e}");
        assert!(matches!(e, cbrng::Error::Gpu { .. }), "{e}");
    }
    println!("library checks on the stub: ok");
}

#[test]
fn choose_target_covers_every_case() {
    use cbrng::cuda::nvrtc::{CompileTarget, choose_target};
    let n13 = [75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121];
    let n12 = [
        50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90, 100, 101, 120,
    ];
    use CompileTarget::{Cubin, Ptx};
    type Case<'a> = (
        (i32, i32),
        (i32, i32),
        i32,
        &'a [i32],
        Result<CompileTarget, &'a str>,
    );
    let cases: Vec<Case> = vec![
        ((9, 0), (13, 0), 13000, &n13, Ok(Cubin { arch: 90 })),
        ((8, 6), (13, 0), 13020, &n13, Ok(Cubin { arch: 86 })),
        ((12, 1), (13, 0), 13000, &n13, Ok(Cubin { arch: 121 })),
        // A newer minor revision of a known major: the older machine code runs.
        ((9, 2), (13, 0), 13000, &n13, Ok(Cubin { arch: 90 })),
        ((10, 7), (13, 0), 13000, &n13, Ok(Cubin { arch: 103 })),
        // A newer major: PTX for the newest listed, JIT by the driver...
        ((15, 0), (13, 0), 13010, &n13, Ok(Ptx { arch: 121 })),
        // ... which a driver older than NVRTC cannot read.
        ((15, 0), (13, 1), 13000, &n13, Err("cannot compile")),
        // NVRTC minor newer than the driver: machine code still loads.
        ((9, 0), (13, 1), 13000, &n13, Ok(Cubin { arch: 90 })),
        // NVRTC 13 on a 12.x driver: nothing loads.
        ((9, 0), (13, 0), 12080, &n13, Err("nvidia-cuda-nvrtc-cu12")),
        // NVRTC 12.9 on a 13.0 driver: fine.
        ((9, 0), (12, 9), 13000, &n12, Ok(Cubin { arch: 90 })),
        ((12, 0), (12, 9), 12090, &n12, Ok(Cubin { arch: 120 })),
        // Too old for NVRTC 13, fine for 12.
        ((6, 1), (13, 0), 13000, &n13, Err("older than NVRTC 13.0")),
        ((6, 1), (12, 9), 13000, &n12, Ok(Cubin { arch: 61 })),
        ((9, 0), (13, 0), 13000, &[], Err("lists no architecture")),
    ];
    for (dev, nv, drv, archs, want) in cases {
        let got = choose_target(dev, nv, drv, archs);
        match (&got, want) {
            (Ok(g), Ok(w)) => assert_eq!(*g, w, "{dev:?} {nv:?} {drv}"),
            (Err(e), Err(needle)) => {
                assert!(e.contains(needle), "{dev:?} {nv:?} {drv}: {e}");
                assert!(!e.contains('\n'), "one line: {e}");
            }
            _ => panic!("{dev:?} {nv:?} {drv}: got {got:?}, want {want:?}"),
        }
    }
}

//! The `cbrng` program's interface, as scripts use it.
#![cfg(feature = "cli")]
use std::process::{Command, Output};

fn cbrng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A bad-input run: non-zero exit, one line on stderr naming the problem, no panic.
fn assert_clean_error(args: &[&str], needle: &str) {
    let o = cbrng(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} succeeded");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{args:?} panicked: {err}"
    );
    assert!(
        err.contains(needle),
        "{args:?}: stderr {err:?} does not mention {needle:?}"
    );
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: more than one line: {err}"
    );
}

#[test]
fn fill_hex_matches_the_library() {
    let o = cbrng(&[
        "fill",
        "--algo",
        "threefry2x64-20",
        "--seed",
        "9",
        "--stream",
        "4",
        "--offset",
        "3",
        "--count",
        "5",
        "--dist",
        "uniform",
        "--dtype",
        "f64",
        "--device",
        "cpu",
    ]);
    assert!(o.status.success());
    let s = cbrng::Stream::from_seed("threefry2x64-20".parse().unwrap(), 9, 4).unwrap();
    let mut want = [0f64; 5];
    s.fill(&cbrng::dist::Distribution::Uniform, 3, &mut want)
        .unwrap();
    let want: String = want
        .iter()
        .map(|x| format!("{:016x}\n", x.to_bits()))
        .collect();
    assert_eq!(stdout(&o), want);
}

#[test]
fn fill_hex_widths_per_dtype() {
    for (dist, dtype, digits) in [
        ("bits", "u32", 8),
        ("bits", "u64", 16),
        ("bits", "u8", 2),
        ("uniform", "f16", 4),
        ("uniform", "bf16", 4),
        ("normal", "f32", 8),
        ("bernoulli:0.5", "u8", 2),
        ("int:0..300", "u64", 16),
    ] {
        let o = cbrng(&[
            "fill",
            "--algo",
            "philox4x32",
            "--count",
            "7",
            "--dist",
            dist,
            "--dtype",
            dtype,
            "--device",
            "cpu",
        ]);
        assert!(o.status.success(), "{dist} {dtype}");
        let out = stdout(&o);
        assert_eq!(out.lines().count(), 7);
        for l in out.lines() {
            assert_eq!(l.len(), digits, "{dist} {dtype}: {l}");
            assert!(
                l.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
    }
}

/// `cbrng fill` of the discrete samplers (contract v3) writes the library's
/// values, in text, for every dtype they offer.
#[test]
fn fill_discrete_samplers_as_text() {
    use cbrng::dist::Distribution;
    let s = cbrng::Stream::from_seed(cbrng::Algorithm::PHILOX4X32_10, 4, 2).unwrap();
    for (spec, dtype) in [
        ("poisson:3.5", "u32"),
        ("poisson:1000000", "i64"),
        ("binomial:1000000000,0.7", "i32"),
        ("binomial:20,0.3", "u64"),
    ] {
        let o = cbrng(&[
            "fill",
            "--algo",
            "philox4x32",
            "--seed",
            "4",
            "--stream",
            "2",
            "--offset",
            "5",
            "--count",
            "300",
            "--dist",
            spec,
            "--dtype",
            dtype,
            "--format",
            "text",
            "--device",
            "cpu",
        ]);
        assert!(
            o.status.success(),
            "{spec} {dtype}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let d: Distribution = spec.parse().unwrap();
        let mut want = vec![0u64; 300];
        s.fill(&d, 5, &mut want).unwrap();
        let want: String = want.iter().map(|x| format!("{x}\n")).collect();
        assert_eq!(stdout(&o), want, "{spec} {dtype}");
    }
}

#[test]
fn fill_raw_and_npy_carry_the_same_bytes() {
    let dir = std::env::temp_dir().join(format!("cbrng-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let raw = dir.join("x.raw");
    let npy = dir.join("x.npy");
    let base = [
        "fill",
        "--algo",
        "philox4x64",
        "--seed",
        "3",
        "--count",
        "1001",
        "--dist",
        "uniform",
        "--dtype",
        "bf16",
        "--device",
        "cpu",
    ];
    let run = |fmt: &str, path: &std::path::Path| {
        let mut a = base.to_vec();
        a.extend(["--format", fmt, "--out", path.to_str().unwrap()]);
        assert!(cbrng(&a).status.success());
        std::fs::read(path).unwrap()
    };
    let r = run("raw", &raw);
    let n = run("npy", &npy);
    assert_eq!(r.len(), 2002);
    assert_eq!(&n[..8], b"\x93NUMPY\x01\x00");
    let hlen = u16::from_le_bytes([n[8], n[9]]) as usize;
    assert_eq!((10 + hlen) % 64, 0, "header padded to 64 bytes");
    let header = std::str::from_utf8(&n[10..10 + hlen]).unwrap();
    assert!(
        header.contains("'descr': '<u2'") && header.contains("'shape': (1001,)"),
        "{header}"
    );
    assert_eq!(&n[10 + hlen..], &r[..]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn auto_device_says_which_device_and_why() {
    let o = cbrng(&["fill", "--algo", "philox4x32", "--count", "1"]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    if !cbrng::cuda::driver_present() {
        // No CUDA driver: quiet, unless --verbose (issue 15).
        assert_eq!(err, "");
        let o = cbrng(&["fill", "--algo", "philox4x32", "--count", "1", "-v"]);
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(err.contains("device: cpu (GPU: no CUDA driver"), "{err}");
    } else if cbrng::cuda::default_gpu().is_err() {
        assert!(err.contains("device: cpu ("), "{err}");
    } else {
        assert!(err.contains("device: cuda"), "{err}");
    }
}

#[test]
fn bad_input_is_a_one_line_error() {
    let f = |extra: &[&'static str]| {
        let mut a = vec![
            "fill",
            "--algo",
            "philox4x32",
            "--count",
            "4",
            "--device",
            "cpu",
        ];
        a.extend_from_slice(extra);
        a
    };
    assert_clean_error(
        &["fill", "--algo", "philox8x32", "--count", "1"],
        "unknown algorithm",
    );
    assert_clean_error(&f(&["--dtype", "f128"]), "unknown dtype");
    assert_clean_error(&f(&["--dist", "zipf"]), "unknown distribution");
    // contract v2's parameter checks, one line each
    assert_clean_error(&f(&["--dist", "exponential:0"]), "needs lambda > 0");
    assert_clean_error(&f(&["--dist", "cauchy:0,1e30"]), "overflow f32");
    assert_clean_error(&f(&["--dist", "uniform:2,1"]), "needs lo < hi");
    assert_clean_error(&f(&["--dist", "log-normal:0,-1"]), "needs sigma >= 0");
    assert_clean_error(&f(&["--dist", "log-normal:100,1"]), "overflow f32");
    assert_clean_error(&f(&["--dist", "gumbel:1"]), "expected gumbel:MU,BETA");
    assert_clean_error(&f(&["--dist", "laplace:0,0"]), "needs b > 0");
    assert_clean_error(
        &f(&["--dist", "exponential:1", "--dtype", "f16"]),
        "f32, f64",
    );
    assert_clean_error(
        &f(&["--dist", "uniform", "--dtype", "u32"]),
        "cannot produce dtype u32",
    );
    assert_clean_error(&f(&["--dist", "bernoulli:1.5"]), "outside [0, 1]");
    assert_clean_error(&f(&["--dist", "bernoulli:nan"]), "not a number");
    assert_clean_error(&f(&["--dist", "int:5..5"]), "empty");
    // contract v3's discrete samplers
    assert_clean_error(&f(&["--dist", "poisson:-1"]), "LAMBDA >= 0");
    assert_clean_error(
        &f(&["--dist", "poisson:2e9", "--dtype", "u32"]),
        "above the largest for u32/i32",
    );
    assert_clean_error(&f(&["--dist", "binomial:10,1.5"]), "P in [0, 1]");
    assert_clean_error(
        &f(&["--dist", "binomial:3000000000,0.5", "--dtype", "i32"]),
        "does not fit i32",
    );
    assert_clean_error(&f(&["--dist", "binomial:-3,0.5"]), "N:");
    assert_clean_error(
        &f(&["--dist", "poisson:3", "--dtype", "f32"]),
        "u32, u64, i32, i64",
    );
    assert_clean_error(
        &f(&["--dist", "int:0..257", "--dtype", "u8"]),
        "does not fit u8",
    );
    assert_clean_error(&f(&["--dist", "normal", "--std", "-1"]), "std >= 0");
    assert_clean_error(
        &[
            "fill",
            "--algo",
            "philox2x32",
            "--seed",
            "4294967296",
            "--count",
            "1",
        ],
        "too wide",
    );
    assert_clean_error(
        &[
            "fill",
            "--algo",
            "philox2x32",
            "--stream",
            "4294967296",
            "--count",
            "1",
        ],
        "stream id",
    );
    assert_clean_error(
        &[
            "fill",
            "--algo",
            "philox4x32",
            "--key",
            "1,2,3",
            "--count",
            "1",
        ],
        "key",
    );
    assert_clean_error(
        &[
            "fill",
            "--algo",
            "philox2x32",
            "--offset",
            "8589934591",
            "--count",
            "2",
        ],
        "past the end",
    );
    // int u64 takes two u64 elements: a 4x32 stream holds exactly 2^64 of them.
    assert_clean_error(
        &[
            "fill",
            "--algo",
            "philox4x32",
            "--dist",
            "int:0..10",
            "--dtype",
            "u64",
            "--offset",
            "18446744073709551615",
            "--count",
            "2",
        ],
        "past the end",
    );
    assert_clean_error(
        &f(&["--out", "/nonexistent-dir/x.bin"]),
        "/nonexistent-dir/x.bin",
    );
    if cbrng::cuda::default_gpu().is_err() {
        assert_clean_error(
            &[
                "fill",
                "--algo",
                "philox4x32",
                "--count",
                "1",
                "--device",
                "cuda",
            ],
            "GPU",
        );
    }
    assert_clean_error(&f(&["--mean", "1"]), "--mean and --std apply only");
}

#[test]
fn kat_command_counts_and_fails_properly() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/random123_kat_vectors.txt"
    );
    let o = cbrng(&["kat", path]);
    assert!(o.status.success());
    assert_eq!(
        stdout(&o).lines().last().unwrap(),
        "60 passed, 0 failed, 7 skipped (other generators)"
    );
    // A file that cannot be read is an error like any other (exit 2), before
    // anything is checked.
    let o = cbrng(&["kat", path, "/nonexistent.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "");
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("cbrng: error: /nonexistent.txt: "));
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "runs cbrng verify, about a minute in a debug build; cargo test --release runs it"
)]
fn verify_passes_and_reports_the_gpu_half() {
    let o = cbrng(&["verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    let out = stdout(&o);
    if cbrng::cuda::default_gpu().is_err() {
        assert!(out.contains("GPU half skipped"), "{out}");
    } else {
        assert!(out.contains("GPU half:"), "{out}");
    }
    let last = out.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
}

#[test]
fn info_is_json_with_the_reproducibility_fields() {
    let o = cbrng(&["info"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in [
        "cbrng_version",
        "stream_contract_version",
        "rustc",
        "os",
        "arch",
        "cpu_features_detected",
        "gpu",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
    assert!(v["rustc"].as_str().unwrap().starts_with("rustc "));
}

#[test]
fn argument_errors_are_one_line_too() {
    assert_clean_error(&["fill", "--count", "1"], "--algo");
    assert_clean_error(&["fill", "--algo", "philox4x32", "--count", "-1"], "-1");
    assert_clean_error(
        &[
            "fill",
            "--algo",
            "philox4x32",
            "--count",
            "1",
            "--seed",
            "1",
            "--key",
            "1,2",
        ],
        "--seed",
    );
    assert_clean_error(&["frobnicate"], "frobnicate");
}

fn cbrng_env(args: &[&str], backend: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(args)
        .env("CBRNG_CPU_BACKEND", backend)
        .output()
        .expect("the binary runs")
}

/// A forced-scalar run of the program gives the same bytes as the detected
/// backend, for every generator family and a SIMD-heavy distribution.
#[test]
fn forced_scalar_backend_gives_the_same_bytes() {
    for algo in ["philox4x32-10", "threefry4x32-20", "threefry2x64-20"] {
        for dist in ["bits", "normal", "uniform"] {
            let args = [
                "fill", "--algo", algo, "--seed", "5", "--count", "20000", "--offset", "13",
                "--dist", dist, "--dtype", "f32", "--format", "raw", "--device", "cpu",
            ];
            let mut args = args.to_vec();
            if dist == "bits" {
                args[12] = "u32";
            }
            let scalar = cbrng_env(&args, "scalar");
            let auto = cbrng_env(&args, "auto");
            assert!(scalar.status.success() && auto.status.success());
            assert_eq!(scalar.stdout.len(), 80_000);
            assert!(scalar.stdout == auto.stdout, "{algo} {dist}");
        }
    }
    let o = cbrng_env(&["info"], "scalar");
    assert!(stdout(&o).contains("\"cpu_backend\": \"scalar\""));
    let o = cbrng_env(&["info"], "sse9");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("CPU backend") && err.lines().count() == 1);
}

/// A .npy file with a hand-written header (any version, descr and shape).
fn npy_file(name: &str, version: u8, descr: &str, shape: &str, data: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("cbrng-cli-sum-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    let prefix = if version == 1 { 10 } else { 12 };
    let total = prefix + dict.len() + 1;
    dict.push_str(&" ".repeat(total.next_multiple_of(64) - total));
    dict.push('\n');
    let mut bytes = b"\x93NUMPY".to_vec();
    bytes.extend([version, 0]);
    if version == 1 {
        bytes.extend((dict.len() as u16).to_le_bytes());
    } else {
        bytes.extend((dict.len() as u32).to_le_bytes());
    }
    bytes.extend(dict.as_bytes());
    bytes.extend(data);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

fn sum_lines(args: &[&str]) -> Vec<String> {
    let o = cbrng(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o).lines().map(str::to_string).collect()
}

#[test]
fn sum_of_filled_npy_matches_the_library() {
    let dir = std::env::temp_dir().join(format!("cbrng-cli-sumfill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for dtype in ["f32", "f64", "f16", "bf16"] {
        let path = dir.join(format!("n_{dtype}.npy"));
        let p = path.to_str().unwrap();
        // Normal values for the wide types; the 16-bit types are uniform only.
        let dist = if dtype.starts_with("f3") || dtype == "f64" {
            "normal"
        } else {
            "uniform"
        };
        let o = cbrng(&[
            "fill",
            "--algo",
            "philox4x32-10",
            "--seed",
            "3",
            "--count",
            "100003",
            "--dist",
            dist,
            "--dtype",
            dtype,
            "--format",
            "npy",
            "--out",
            p,
            "--device",
            "cpu",
        ]);
        assert!(o.status.success());
        let bytes = std::fs::read(&path).unwrap();
        let data = &bytes[10 + usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))..];
        let extra: &[&str] = if dtype == "bf16" { &["--bf16"] } else { &[] };
        let same = sum_lines(&[&["sum", p, "--device", "cpu"], extra].concat());
        let wide =
            sum_lines(&[&["sum", p, "--device", "cpu", "--dtype-out", "f64"], extra].concat());
        assert_eq!(same.len(), 2);
        assert_eq!(wide.len(), 2);
        let (want, want64) = match dtype {
            "f32" => {
                let v: Vec<f32> = data
                    .chunks(4)
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                    .collect();
                let s = cbrng::reduce::sum(&v);
                assert_eq!(same[0].parse::<f32>().unwrap().to_bits(), s.to_bits());
                (format!("{:08x}", s.to_bits()), cbrng::reduce::sum_f64(&v))
            }
            "f64" => {
                let v: Vec<f64> = data
                    .chunks(8)
                    .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                    .collect();
                let s = cbrng::reduce::sum(&v);
                assert_eq!(same[0].parse::<f64>().unwrap().to_bits(), s.to_bits());
                (format!("{:016x}", s.to_bits()), cbrng::reduce::sum_f64(&v))
            }
            "f16" => {
                let v: Vec<half::f16> = data
                    .chunks(2)
                    .map(|c| half::f16::from_le_bytes(c.try_into().unwrap()))
                    .collect();
                (
                    format!("{:04x}", cbrng::reduce::sum(&v).to_bits()),
                    cbrng::reduce::sum_f64(&v),
                )
            }
            _ => {
                let v: Vec<half::bf16> = data
                    .chunks(2)
                    .map(|c| half::bf16::from_le_bytes(c.try_into().unwrap()))
                    .collect();
                (
                    format!("{:04x}", cbrng::reduce::sum(&v).to_bits()),
                    cbrng::reduce::sum_f64(&v),
                )
            }
        };
        assert_eq!(same[1], want, "{dtype}");
        assert_eq!(wide[1], format!("{:016x}", want64.to_bits()), "{dtype}");
        assert_eq!(wide[0].parse::<f64>().unwrap().to_bits(), want64.to_bits());
        if cbrng::cuda::default_gpu().is_ok() {
            let gpu = sum_lines(&[&["sum", p, "--device", "cuda"], extra].concat());
            let gpu_wide =
                sum_lines(&[&["sum", p, "--device", "cuda", "--dtype-out", "f64"], extra].concat());
            assert_eq!((gpu, gpu_wide), (same, wide), "{dtype} on the GPU");
        }
    }
}

#[test]
fn sum_reads_header_variants() {
    let le: Vec<u8> = [1e30f64, 1.0, -1e30, 0.5, 0.25, 0.125]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let be: Vec<u8> = [1e30f64, 1.0, -1e30, 0.5, 0.25, 0.125]
        .iter()
        .flat_map(|x| x.to_be_bytes())
        .collect();
    let want = format!("{:016x}", 1.875f64.to_bits());
    for (name, v, d, data) in [
        ("v1.npy", 1, "<f8", &le),
        ("v2.npy", 2, "<f8", &le),
        ("v3.npy", 3, "<f8", &le),
        ("be.npy", 1, ">f8", &be),
    ] {
        let p = npy_file(name, v, d, "(2, 3)", data);
        let l = sum_lines(&["sum", &p, "--device", "cpu"]);
        assert_eq!(l, vec!["1.875".to_string(), want.clone()], "{name}");
    }
    let p = npy_file("empty.npy", 1, "<f4", "(0,)", &[]);
    assert_eq!(
        sum_lines(&["sum", &p, "--device", "cpu"]),
        vec!["0", "00000000"]
    );
    let p = npy_file("scalar.npy", 1, "<f2", "()", &[0x00, 0xbc]); // -1.0 in f16
    assert_eq!(
        sum_lines(&["sum", &p, "--device", "cpu"]),
        vec!["-1", "bc00"]
    );
    let negz: Vec<u8> = [-0.0f32, -0.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let p = npy_file("negz.npy", 1, "<f4", "(2,)", &negz);
    assert_eq!(
        sum_lines(&["sum", &p, "--device", "cpu"]),
        vec!["-0", "80000000"]
    );
    let inf: Vec<u8> = [f32::MAX, f32::MAX]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let p = npy_file("inf.npy", 1, "<f4", "(2,)", &inf);
    assert_eq!(
        sum_lines(&["sum", &p, "--device", "cpu"]),
        vec!["inf", "7f800000"]
    );
    assert_eq!(
        sum_lines(&["sum", &p, "--device", "cpu", "--dtype-out", "f64"])[1],
        format!("{:016x}", (2.0 * f32::MAX as f64).to_bits())
    );
}

#[test]
fn sum_bad_input_is_a_one_line_error() {
    let good: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
    let p = npy_file("ok.npy", 1, "<f4", "(2,)", &good);
    let o = cbrng(&["sum", &p]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    if cbrng::cuda::default_gpu().is_err() {
        // No GPU: --device cuda is a one-line error saying why; auto says
        // it fell back to the CPU, and why.
        assert_clean_error(&["sum", &p, "--device", "cuda"], "GPU: ");
        if cbrng::cuda::driver_present() {
            assert!(err.contains("device: cpu ("), "{err}");
        } else {
            assert_eq!(err, "");
        }
    } else {
        assert!(err.contains("device: cuda"), "{err}");
        assert_eq!(
            sum_lines(&["sum", &p, "--device", "cuda"]),
            vec!["3", "40400000"]
        );
    }
    let short = npy_file("short.npy", 1, "<f4", "(3,)", &good);
    assert_clean_error(&["sum", &short, "--device", "cpu"], "holds 8 bytes");
    let int = npy_file("int.npy", 1, "<i4", "(2,)", &good);
    assert_clean_error(&["sum", &int, "--device", "cpu"], "not summable");
    let u2 = npy_file("u2.npy", 1, "<u2", "(4,)", &good);
    assert_clean_error(&["sum", &u2, "--device", "cpu"], "--bf16");
    assert_clean_error(&["sum", &p, "--device", "cpu", "--bf16"], "--bf16");
    let bad_shape = npy_file("shape.npy", 1, "<f4", "(two,)", &good);
    assert_clean_error(&["sum", &bad_shape, "--device", "cpu"], "malformed shape");
    let huge = npy_file("huge.npy", 1, "<f4", "(99999999999, 99999999999)", &good);
    assert_clean_error(&["sum", &huge, "--device", "cpu"], "too large");
    let dir = std::env::temp_dir().join(format!("cbrng-cli-sum-{}", std::process::id()));
    let junk = dir.join("junk.npy");
    std::fs::write(&junk, b"\x93NUMPY\x01\x00\xff\xff").unwrap();
    assert_clean_error(
        &["sum", junk.to_str().unwrap(), "--device", "cpu"],
        "header",
    );
    std::fs::write(&junk, b"hello").unwrap();
    assert_clean_error(
        &["sum", junk.to_str().unwrap(), "--device", "cpu"],
        "not a .npy",
    );
    assert_clean_error(&["sum", "/no/such/file.npy", "--device", "cpu"], "file.npy");
    assert_clean_error(&["sum", &p, "--dtype-out", "f16"], "f16");
}

/// Tags of an HTML text balance (void elements aside), in order; returns the
/// element names seen.
fn balanced_tags(html: &str) -> Result<Vec<String>, String> {
    const VOID: [&str; 6] = ["meta", "br", "img", "link", "input", "hr"];
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("a '<' without '>'")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        let closing = tag.starts_with('/');
        let self_closing = tag.ends_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name.is_empty() {
            return Err(format!("bad tag <{tag}>"));
        }
        if closing {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else {
            seen.push(name.clone());
            if !self_closing && !VOID.contains(&name.as_str()) {
                stack.push(name);
            }
        }
    }
    if stack.is_empty() {
        Ok(seen)
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "runs cbrng verify, about a minute in a debug build; cargo test --release runs it"
)]
fn verify_report_is_one_html_page_with_a_plot_per_distribution() {
    let dir = std::env::temp_dir().join(format!("cbrng-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("report.html");
    let o = cbrng(&["verify", "--report", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    let tags = balanced_tags(&html).unwrap();
    // Self-contained: no scripts, links, images or anything fetched.
    for t in ["script", "link", "img", "iframe", "object"] {
        assert!(!tags.iter().any(|x| x == t), "<{t}> in the report");
    }
    assert!(!html.contains("http:") && !html.contains("https:") && !html.contains("url("));
    // One section per distribution and dtype, each with a histogram and a QQ plot.
    let n = cbrng::check::distributions().len();
    let sections: Vec<&str> = html.split("<section class=\"plot\">").skip(1).collect();
    assert_eq!(sections.len(), n);
    for (s, (d, dtype)) in sections.iter().zip(cbrng::check::distributions()) {
        let s = &s[..s.find("</section>").unwrap()];
        assert!(s.starts_with(&format!("<h3>{d} {dtype}</h3>")), "{s:.80}");
        assert_eq!(s.matches("<svg ").count(), 2);
        assert!(s.contains("histogram vs exact") && s.contains("QQ vs exact quantiles"));
        assert!(
            s.matches("<circle ").count() == 200,
            "{d} {dtype}: QQ points"
        );
    }
    assert_eq!(tags.iter().filter(|t| *t == "svg").count(), 2 * n);
    // The verify table, as printed.
    let table = String::from_utf8(o.stdout).unwrap();
    let last = table.lines().last().unwrap();
    assert!(last.ends_with("passed, 0 failed"), "{last}");
    assert!(html.contains(last));
    // A report that cannot be written is an error, and no file is left.
    let bad = dir.join("missing-dir").join("r.html");
    let o = cbrng(&["verify", "--report", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("cbrng: error: "));
    std::fs::remove_dir_all(&dir).ok();
}

/// The signed and bool dtypes through every format: hex by two's complement
/// bits (bool 00/01), text in signed decimal (bool 0/1, as NumPy's
/// `savetxt(fmt="%d")` writes bools and `loadtxt(dtype=bool)` reads them),
/// raw bytes, and .npy with `<i4`, `<i8`, `|b1`.
#[test]
fn fill_signed_and_bool_dtypes_in_every_format() {
    let run = |dist: &str, dtype: &str, format: &str| {
        let o = cbrng(&[
            "fill",
            "--algo",
            "philox4x32",
            "--seed",
            "0",
            "--count",
            "6",
            "--dist",
            dist,
            "--dtype",
            dtype,
            "--format",
            format,
            "--device",
            "cpu",
        ]);
        assert!(
            o.status.success(),
            "{dist} {dtype} {format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    let s = cbrng::Stream::from_seed(cbrng::Algorithm::PHILOX4X32_10, 0, 0).unwrap();
    let d = cbrng::Dist::Int { lo: -5, hi: 5 };
    let mut want = [0i32; 6];
    s.fill(&d, 0, &mut want).unwrap();
    // The frozen contract row (tests/data/contract_v1.txt) for this case.
    assert_eq!(want, [3, 1, -2, -5, -2, -3]);
    let text: String = want.iter().map(|x| format!("{x}\n")).collect();
    assert_eq!(
        String::from_utf8(run("int:-5..5", "i32", "text")).unwrap(),
        text
    );
    assert_eq!(
        String::from_utf8(run("int:-5..5", "i32", "hex")).unwrap(),
        "00000003\n00000001\nfffffffe\nfffffffb\nfffffffe\nfffffffd\n"
    );
    let raw = run("int:-5..5", "i32", "raw");
    assert_eq!(
        raw,
        want.iter()
            .flat_map(|x| x.to_le_bytes())
            .collect::<Vec<_>>()
    );
    let npy = run("int:-5..5", "i32", "npy");
    let header = |n: &[u8]| {
        let hlen = u16::from_le_bytes([n[8], n[9]]) as usize;
        (
            String::from_utf8(n[10..10 + hlen].to_vec()).unwrap(),
            n[10 + hlen..].to_vec(),
        )
    };
    let (h, body) = header(&npy);
    assert!(
        h.contains("'descr': '<i4'") && h.contains("'shape': (6,)"),
        "{h}"
    );
    assert_eq!(body, raw);

    let mut want = [0i64; 6];
    let d = cbrng::Dist::Int {
        lo: -(1 << 40),
        hi: 1 << 40,
    };
    s.fill(&d, 0, &mut want).unwrap();
    assert!(want.iter().any(|&x| x < 0));
    let text: String = want.iter().map(|x| format!("{x}\n")).collect();
    let spec = "int:-1099511627776..1099511627776";
    assert_eq!(String::from_utf8(run(spec, "i64", "text")).unwrap(), text);
    let hex: String = want
        .iter()
        .map(|&x| format!("{:016x}\n", x as u64))
        .collect();
    assert_eq!(String::from_utf8(run(spec, "i64", "hex")).unwrap(), hex);
    let (h, body) = header(&run(spec, "i64", "npy"));
    assert!(h.contains("'descr': '<i8'"), "{h}");
    assert_eq!(
        body,
        want.iter()
            .flat_map(|x| x.to_le_bytes())
            .collect::<Vec<_>>()
    );

    let mut want = [false; 6];
    s.fill(&cbrng::Dist::Bernoulli { p: 0.5 }, 0, &mut want)
        .unwrap();
    assert!(want.contains(&true) && want.contains(&false));
    let ones: String = want.iter().map(|&b| format!("{}\n", u8::from(b))).collect();
    assert_eq!(
        String::from_utf8(run("bernoulli:0.5", "bool", "text")).unwrap(),
        ones
    );
    let hex: String = want
        .iter()
        .map(|&b| format!("0{}\n", u8::from(b)))
        .collect();
    assert_eq!(
        String::from_utf8(run("bernoulli:0.5", "bool", "hex")).unwrap(),
        hex
    );
    let bytes: Vec<u8> = want.iter().map(|&b| u8::from(b)).collect();
    assert_eq!(run("bernoulli:0.5", "bool", "raw"), bytes);
    let (h, body) = header(&run("bernoulli:0.5", "bool", "npy"));
    assert!(h.contains("'descr': '|b1'"), "{h}");
    assert_eq!(body, bytes);
    // The same bytes as the u8 output.
    assert_eq!(run("bernoulli:0.5", "u8", "raw"), bytes);
}

#[test]
fn signed_ranges_outside_the_dtype_are_one_line_errors() {
    let base = [
        "fill",
        "--algo",
        "philox4x32",
        "--count",
        "3",
        "--device",
        "cpu",
        "--dist",
    ];
    let with = |dist: &'static str, dtype: Option<&'static str>| {
        let mut a = base.to_vec();
        a.push(dist);
        if let Some(d) = dtype {
            a.extend(["--dtype", d]);
        }
        a
    };
    assert_clean_error(
        &with("int:-5..5", None),
        "does not fit u32 (lo must be >= 0; i32 and i64 take negative values)",
    );
    assert_clean_error(&with("int:-5..5", Some("u64")), "lo must be >= 0");
    assert_clean_error(
        &with("int:0..2147483649", Some("i32")),
        "hi must be <= 2147483648",
    );
    assert_clean_error(
        &with("int:-9223372036854775809..0", Some("i64")),
        "lo must be >= -9223372036854775808",
    );
    assert_clean_error(&with("int:-0..5", Some("i32")), "write 0");
    assert_clean_error(&with("int:5..-5", Some("i32")), "is empty");
    assert_clean_error(&with("bits", Some("bool")), "bool");
    // The whole of i32 is fine.
    let mut a = with("int:-2147483648..2147483648", Some("i32"));
    a.extend(["--format", "text"]);
    assert!(cbrng(&a).status.success());
}

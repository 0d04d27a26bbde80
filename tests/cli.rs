//! The `cbrng` program's interface, as scripts use it.
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
    if cbrng::cuda::default_gpu().is_err() {
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
    assert_clean_error(&f(&["--dist", "cauchy"]), "unknown distribution");
    assert_clean_error(
        &f(&["--dist", "uniform", "--dtype", "u32"]),
        "cannot produce dtype u32",
    );
    assert_clean_error(&f(&["--dist", "bernoulli:1.5"]), "outside [0, 1]");
    assert_clean_error(&f(&["--dist", "bernoulli:nan"]), "outside [0, 1]");
    assert_clean_error(&f(&["--dist", "int:5..5"]), "empty");
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
    let o = cbrng(&["kat", path, "/nonexistent.txt"]);
    assert!(!o.status.success());
    assert!(
        stdout(&o)
            .lines()
            .last()
            .unwrap()
            .starts_with("60 passed, 1 failed")
    );
}

#[test]
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

//! `cbrng compat`: the command prints what the library makes, and what the
//! real systems made (reference data under tests/data/compat/).
#![cfg(feature = "cli")]
use std::process::{Command, Output};

fn cbrng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok_stdout(args: &[&str]) -> Vec<u8> {
    let o = cbrng(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn hex_lines(args: &[&str]) -> String {
    String::from_utf8(ok_stdout(args))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A bad-input run: non-zero exit, one line on stderr naming the problem, no panic.
fn assert_clean_error(args: &[&str], needle: &str) {
    let o = cbrng(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{args:?} succeeded");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
}

/// The reference line of tests/data/compat/numpy/numpy_2.2.6.txt for (seed, calls).
fn numpy_reference(seed: &str, calls: &str) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/compat/numpy/numpy_2.2.6.txt"
    ))
    .unwrap();
    text.lines()
        .find_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() == 3 && f[0] == seed && f[1] == calls).then(|| f[2].to_string())
        })
        .unwrap_or_else(|| panic!("no reference for {seed} {calls}"))
}

fn fnv1a64(bytes: &[u8]) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01B3);
    }
    format!("{h:016x}")
}

#[test]
fn numpy_hex_matches_numpy() {
    let big = "18446744073709551617"; // 2^64 + 1
    for (seed, calls, args) in [
        ("0", "key", vec!["--method", "key"]),
        (big, "key", vec!["--method", "key"]),
        (
            "10000000000000000000000000000000000000000",
            "raw:9",
            vec!["--method", "raw", "--count", "9"],
        ),
        (
            "12345",
            "random:f32:13",
            vec!["--method", "random", "--dtype", "f32", "--count", "13"],
        ),
        (
            "12345",
            "random:f64:13",
            vec!["--method", "random", "--count", "13"],
        ),
        (
            "0",
            "normal:f32:21",
            vec![
                "--method",
                "standard-normal",
                "--dtype",
                "f32",
                "--count",
                "21",
            ],
        ),
        (
            "9223372036854775808",
            "normal:f64:21",
            vec!["--method", "standard-normal", "--count", "21"],
        ),
        (
            "0",
            "int:i8:-5:5:0:37",
            vec![
                "--method",
                "integers:-5..5",
                "--dtype",
                "i8",
                "--count",
                "37",
            ],
        ),
        (
            "12345",
            "int:u64:9223372036854775808:18446744073709551615:1:37",
            vec![
                "--method",
                "integers:9223372036854775808..=18446744073709551615",
                "--dtype",
                "u64",
                "--count",
                "37",
            ],
        ),
        (
            "0",
            "int:bool:0:2:0:37",
            vec![
                "--method",
                "integers:0..2",
                "--dtype",
                "bool",
                "--count",
                "37",
            ],
        ),
        (
            "12345",
            "int:i64:-1000000000000000000:1000000000000000000:0:37",
            vec![
                "--method",
                "integers:-1000000000000000000..1000000000000000000",
                "--count",
                "37",
            ],
        ),
    ] {
        let mut full = vec!["compat", "numpy", "--seed", seed];
        full.extend(args);
        assert_eq!(hex_lines(&full), numpy_reference(seed, calls), "{full:?}");
    }
}

#[test]
fn numpy_long_outputs_cross_steps_exactly() {
    // The command makes 2^16 elements a step; NumPy made them in one call.
    for (seed, calls, method, dtype, n) in [
        ("7", "normal:f64:300001", "standard-normal", "f64", "300001"),
        ("7", "normal:f32:300001", "standard-normal", "f32", "300001"),
        ("0", "random:f32:100003", "random", "f32", "100003"),
        (
            "99",
            "int:u64:0:4294967296:0:100003",
            "integers:0..4294967296",
            "u64",
            "100003",
        ),
        (
            "99",
            "int:i16:-300:3000:0:100003",
            "integers:-300..3000",
            "i16",
            "100003",
        ),
    ] {
        let raw = ok_stdout(&[
            "compat", "numpy", "--seed", seed, "--method", method, "--dtype", dtype, "--count", n,
            "--format", "raw",
        ]);
        let want = numpy_reference(seed, calls);
        assert_eq!(&want[4..20], fnv1a64(&raw), "{calls}");
    }
}

#[test]
fn numpy_npy_is_raw_plus_header() {
    let args = [
        "compat",
        "numpy",
        "--seed",
        "3",
        "--method",
        "integers:0..1000",
        "--dtype",
        "u16",
        "--count",
        "5",
    ];
    let raw = ok_stdout(&[&args[..], &["--format", "raw"]].concat());
    let npy = ok_stdout(&[&args[..], &["--format", "npy"]].concat());
    assert_eq!(raw.len(), 10);
    assert!(npy.starts_with(b"\x93NUMPY\x01\x00"));
    let header = std::str::from_utf8(&npy[10..npy.len() - 10]).unwrap();
    assert!(
        header.contains("'descr': '<u2'") && header.contains("'shape': (5,)"),
        "{header}"
    );
    assert_eq!(npy.len() % 64, 10);
    assert_eq!(&npy[npy.len() - 10..], &raw[..]);
}

#[test]
fn compat_bad_input_is_a_one_line_error() {
    fn np<'a>(rest: &[&'a str]) -> Vec<&'a str> {
        [&["compat", "numpy"][..], rest].concat()
    }
    assert_clean_error(&["compat", "matlab", "--seed", "1"], "matlab");
    assert_clean_error(&np(&["--seed", "-1", "--method", "key"]), "negative");
    assert_clean_error(
        &np(&["--seed", "1.5", "--method", "key"]),
        "not a non-negative integer",
    );
    assert_clean_error(
        &np(&["--seed", "1", "--method", "gamma", "--count", "1"]),
        "unknown method 'gamma'",
    );
    assert_clean_error(
        &np(&[
            "--seed", "1", "--method", "random", "--dtype", "f16", "--count", "1",
        ]),
        "f16",
    );
    assert_clean_error(
        &np(&[
            "--seed",
            "1",
            "--method",
            "integers:0..9",
            "--dtype",
            "u128",
            "--count",
            "1",
        ]),
        "u128",
    );
    assert_clean_error(
        &np(&[
            "--seed",
            "1",
            "--method",
            "integers:0..256",
            "--dtype",
            "i8",
            "--count",
            "1",
        ]),
        "out of bounds for i8",
    );
    assert_clean_error(
        &np(&["--seed", "1", "--method", "integers:5..5", "--count", "1"]),
        "low 5 >= high 5",
    );
    assert_clean_error(
        &np(&["--seed", "1", "--method", "integers:0-5", "--count", "1"]),
        "integers:LO..HI",
    );
    assert_clean_error(&np(&["--seed", "1", "--method", "raw"]), "--count");
    assert_clean_error(
        &np(&[
            "--seed", "1", "--method", "raw", "--dtype", "f32", "--count", "2",
        ]),
        "u64",
    );
}

/// The reference line of tests/data/compat/jax/jax_0.7.1.txt.
fn jax_reference(
    x64: &str,
    part: &str,
    seed: &str,
    derive: &str,
    f: &str,
    dt: &str,
    shape: &str,
) -> String {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/compat/jax/jax_0.7.1.txt"
    ))
    .unwrap();
    let want = [x64, part, seed, derive, f, dt, shape];
    text.lines()
        .find_map(|l| {
            let g: Vec<&str> = l.split('\t').collect();
            (g.len() == 8 && g[..7] == want).then(|| g[7].to_string())
        })
        .unwrap_or_else(|| panic!("no reference for {want:?}"))
}

#[test]
fn jax_hex_matches_jax() {
    for (x64, part, seed, derive, f, dt, shape) in [
        ("0", "1", "-1", "-", "key", "u32", ""),
        ("1", "1", "-1", "-", "key", "u32", ""),
        ("1", "0", "9223372036854775813", "-", "key", "u32", ""),
        (
            "1",
            "1",
            "0",
            "fold_in:7,split:3:2,fold_in:12345",
            "key",
            "u32",
            "",
        ),
        ("0", "0", "42", "split:4:1,split:4:3", "key", "u32", ""),
        ("1", "1", "42", "-", "bits", "u64", "2,3,4"),
        ("0", "0", "42", "-", "bits", "u8", "7"),
        ("0", "1", "0", "split:2:1", "uniform", "bf16", "9"),
        ("1", "0", "42", "-", "uniform", "f64", "3,5"),
        ("0", "1", "42", "-", "uniform", "f16", "7"),
        ("0", "1", "42", "-", "normal", "f32", "1177"),
        ("1", "1", "42", "-", "normal", "f32", "2000"),
        ("1", "0", "42", "-", "normal", "f64", "3,5"),
    ] {
        let mut args = vec![
            "compat",
            "jax",
            "--seed",
            seed,
            "--x64",
            if x64 == "1" { "true" } else { "false" },
            "--partitionable",
            if part == "1" { "true" } else { "false" },
            "--fn",
            f,
            "--dtype",
            dt,
            "--shape",
            shape,
        ];
        if derive != "-" {
            args.extend(["--derive", derive]);
        }
        assert_eq!(
            hex_lines(&args),
            jax_reference(x64, part, seed, derive, f, dt, shape),
            "{args:?}"
        );
    }
}

#[test]
fn jax_bad_input_is_a_one_line_error() {
    fn jx<'a>(rest: &[&'a str]) -> Vec<&'a str> {
        [&["compat", "jax"][..], rest].concat()
    }
    assert_clean_error(
        &jx(&["--seed", "18446744073709551616", "--fn", "key"]),
        "out of range",
    );
    assert_clean_error(
        &jx(&["--seed", "-9223372036854775809", "--fn", "key"]),
        "out of range",
    );
    assert_clean_error(&jx(&["--seed", "x", "--fn", "key"]), "not an integer");
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "gamma"]),
        "unknown function 'gamma'",
    );
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "bits", "--dtype", "f32"]),
        "u8|u16|u32|u64",
    );
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "uniform", "--dtype", "u8"]),
        "f32|f64|f16|bf16",
    );
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "uniform", "--dtype", "f64"]),
        "--x64 true",
    );
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "key", "--derive", "split:2:2"]),
        "index 2",
    );
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "key", "--derive", "fold:1"]),
        "fold_in:N or split:K:I",
    );
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "bits", "--shape", "3,x"]),
        "not a dimension",
    );
    assert_clean_error(
        &jx(&["--seed", "1", "--fn", "bits", "--shape", "100000,100000"]),
        "at most 2^26",
    );
    assert_clean_error(
        &jx(&[
            "--seed",
            "1",
            "--fn",
            "normal",
            "--backend",
            "gpu",
            "--xla-log",
            "inline",
        ]),
        "does not apply to --backend gpu",
    );
}

#[test]
fn jax_backend_gpu_prints_the_gpu_lowering() {
    use cbrng::compat::jax::{Backend, Config, Key};
    // normal: the library's XLA:GPU arithmetic; bits and uniform: the same
    // on both backends.
    for (x64, dtype, shape, n) in [
        (false, "f32", "3,7,11", 231usize),
        (true, "f64", "2000", 2000),
    ] {
        let cfg = Config {
            x64,
            partitionable: true,
        };
        let key = Key::from_seed(42, cfg).unwrap();
        let want = if dtype == "f32" {
            let mut v = vec![0f32; n];
            key.normal_f32_on(cfg, Backend::Gpu, &mut v).unwrap();
            v.iter()
                .map(|x| format!("{:08x}", x.to_bits()))
                .collect::<Vec<_>>()
        } else {
            let mut v = vec![0f64; n];
            key.normal_f64_on(cfg, Backend::Gpu, &mut v).unwrap();
            v.iter()
                .map(|x| format!("{:016x}", x.to_bits()))
                .collect::<Vec<_>>()
        };
        let args = |backend: &'static str, f: &'static str| {
            vec![
                "compat",
                "jax",
                "--seed",
                "42",
                "--x64",
                if x64 { "true" } else { "false" },
                "--fn",
                f,
                "--dtype",
                if f == "normal" || f == "uniform" {
                    dtype
                } else {
                    "u32"
                },
                "--shape",
                shape,
                "--backend",
                backend,
            ]
        };
        let gpu = hex_lines(&args("gpu", "normal"));
        assert_eq!(gpu, want.join(" "), "{dtype}");
        assert_ne!(
            gpu,
            hex_lines(&args("cpu", "normal")),
            "{dtype}: the backends differ somewhere"
        );
        for f in ["bits", "uniform"] {
            assert_eq!(
                hex_lines(&args("gpu", f)),
                hex_lines(&args("cpu", f)),
                "{f}"
            );
        }
    }
}

#[test]
fn curand_hex_matches_curand_headers() {
    // From tests/data/compat/curand/curand_philox_compat.txt (cuRAND's headers on the host).
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/compat/curand/curand_philox_compat.txt"
    ))
    .unwrap();
    let want = |head: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(head).map(str::to_string))
            .unwrap_or_else(|| panic!("no reference for {head}"))
    };
    let line = want("42 18446744073709551615 3 uniform,uniform,uniform,uniform,uniform : ");
    assert_eq!(
        hex_lines(&[
            "compat",
            "curand",
            "--fn",
            "uniform",
            "--seed",
            "42",
            "--subsequence",
            "18446744073709551615",
            "--offset",
            "3",
            "--count",
            "5"
        ]),
        line
    );
    let line = want("0 4294967301 1 curand,curand,curand,curand,curand,curand,curand : ");
    assert_eq!(
        hex_lines(&[
            "compat",
            "curand",
            "--fn",
            "curand",
            "--seed",
            "0",
            "--subsequence",
            "4294967301",
            "--offset",
            "1",
            "--count",
            "7"
        ]),
        line
    );
    let line = want("16045690984503111693 1 2 uniform_double,uniform_double,uniform_double : ");
    assert_eq!(
        hex_lines(&[
            "compat",
            "curand",
            "--fn",
            "uniform-double",
            "--seed",
            "16045690984503111693",
            "--subsequence",
            "1",
            "--offset",
            "2",
            "--count",
            "3"
        ]),
        line
    );
}

#[test]
fn torch_prints_what_the_library_makes() {
    use cbrng::compat::torch::{Generator, profile};
    let mut v = vec![0f32; 50_000];
    Generator { seed: 5, offset: 8 }
        .uniform_f32(profile("l4").unwrap(), 0.0, 1.0, &mut v)
        .unwrap();
    let want: Vec<String> = v.iter().map(|x| format!("{:08x}", x.to_bits())).collect();
    assert_eq!(
        hex_lines(&[
            "compat",
            "torch",
            "--op",
            "rand",
            "--seed",
            "5",
            "--numel",
            "50000",
            "--device",
            "l4",
            "--philox-offset",
            "8"
        ]),
        want.join(" ")
    );
    let mut m = vec![0u8; 10_000];
    Generator::new(3)
        .dropout_mask(
            profile("t4").unwrap(),
            0.1,
            cbrng::compat::torch::DropoutDType::F16,
            &mut m,
        )
        .unwrap();
    let want_m: Vec<String> = m.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex_lines(&[
            "compat",
            "torch",
            "--op",
            "dropout-mask:0.1",
            "--dtype",
            "f16",
            "--seed",
            "3",
            "--numel",
            "10000",
            "--device",
            "t4"
        ]),
        want_m.join(" ")
    );
    // The same geometry given by numbers.
    assert_eq!(
        hex_lines(&[
            "compat",
            "torch",
            "--op",
            "rand",
            "--seed",
            "5",
            "--numel",
            "50000",
            "--sm-count",
            "58",
            "--threads-per-sm",
            "1536",
            "--philox-offset",
            "8"
        ]),
        want.join(" ")
    );
}

#[test]
fn curand_and_torch_bad_input_is_a_one_line_error() {
    assert_clean_error(
        &[
            "compat", "curand", "--fn", "gamma", "--seed", "1", "--count", "1",
        ],
        "unknown function 'gamma'",
    );
    assert_clean_error(
        &[
            "compat", "curand", "--fn", "uniform", "--seed", "-1", "--count", "1",
        ],
        "-1",
    );
    assert_clean_error(
        &[
            "compat",
            "curand",
            "--fn",
            "uniform",
            "--seed",
            "1",
            "--count",
            "100000000",
        ],
        "2^26",
    );
    let t = |rest: &[&'static str]| {
        [
            &["compat", "torch", "--seed", "1", "--numel", "10"][..],
            rest,
        ]
        .concat()
    };
    assert_clean_error(
        &t(&[
            "--op",
            "rand",
            "--sm-count",
            "0",
            "--threads-per-sm",
            "2048",
        ]),
        "0 SMs",
    );
    assert_clean_error(
        &t(&["--op", "rand", "--sm-count", "8", "--threads-per-sm", "100"]),
        "no block",
    );
    assert_clean_error(&t(&["--op", "rand"]), "--device");
    assert_clean_error(
        &t(&["--op", "rand", "--device", "gtx480"]),
        "unknown device profile 'gtx480'",
    );
    assert_clean_error(
        &t(&["--op", "rand", "--device", "t4", "--dtype", "i8"]),
        "unknown dtype 'i8'",
    );
    assert_clean_error(
        &t(&["--op", "poisson", "--device", "t4"]),
        "unknown op 'poisson'",
    );
    assert_clean_error(
        &t(&["--op", "bernoulli:1.5", "--device", "t4"]),
        "outside [0, 1]",
    );
    assert_clean_error(
        &t(&["--op", "normal:0", "--device", "t4"]),
        "takes 2 parameter",
    );
    assert_clean_error(
        &t(&[
            "--op",
            "rand",
            "--device",
            "t4",
            "--philox-offset",
            "18446744073709551615",
        ]),
        "passes 2^64",
    );
    assert_clean_error(
        &[
            "compat", "torch", "--seed", "1", "--numel", "0", "--op", "rand", "--device", "t4",
        ],
        "numel 0",
    );
}

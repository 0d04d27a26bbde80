//! The `cbrng` program as a Unix tool (issue 15): output errors, closed
//! pipes, atomic `--out`, `-` and pipes, clean argument errors, quiet by
//! default, decimal text, `--shape`, the progress bar. Every case runs the
//! built binary.
#![cfg(all(feature = "cli", unix))]
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_cbrng");
/// A debug build is 10-50 times slower: its long runs are scaled down (and
/// `verify`, a minute there, is left out) so a plain `cargo test` is quick.
const DEBUG: bool = cfg!(debug_assertions);
const KAT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/random123_kat_vectors.txt"
);

fn cbrng(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh empty directory for one test.
fn dir(name: &str) -> PathBuf {
    let d =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("unix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn entries(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// An .npy file of f32 values.
fn npy_f32(path: &Path, xs: &[f32]) {
    let mut h = format!(
        "{{'descr': '<f4', 'fortran_order': False, 'shape': ({},), }}",
        xs.len()
    );
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(h.len() as u16).to_le_bytes());
    b.extend_from_slice(h.as_bytes());
    for x in xs {
        b.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(path, b).unwrap();
}

const FILL: [&str; 9] = [
    "fill",
    "--algo",
    "philox4x32-10",
    "--seed",
    "7",
    "--device",
    "cpu",
    "--count",
    "3000000",
];

fn commands(npy: &str) -> Vec<Vec<&str>> {
    let mut c = vec![
        FILL.to_vec(),
        vec!["info"],
        vec!["kat", KAT],
        vec!["sum", "--device", "cpu", npy],
    ];
    if !DEBUG {
        c.push(vec!["verify"]);
    }
    c
}

#[test]
fn output_errors_are_one_line_never_a_panic() {
    let d = dir("full");
    let npy = d.join("x.npy");
    npy_f32(&npy, &[1.0, 2.5, -0.25]);
    let npy = npy.to_str().unwrap();
    for args in commands(npy) {
        let o = Command::new(BIN)
            .args(&args)
            .stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(
            err, "cbrng: error: <stdout>: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}

#[test]
fn a_closed_pipe_stops_quietly_with_exit_0() {
    let d = dir("pipe");
    let npy = d.join("x.npy");
    npy_f32(&npy, &[1.0, 2.5, -0.25]);
    let npy = npy.to_str().unwrap();
    let mut long_fill = FILL.to_vec();
    long_fill[8] = "100000000";
    let mut all = commands(npy);
    all.push(long_fill);
    for args in all {
        // Three tries each, for the race between the program's first write
        // and the reader's close; `verify` (ten seconds of checks before it
        // writes a row) only once.
        let tries = if args[0] == "verify" { 1 } else { 3 };
        for _ in 0..tries {
            // The reader closes the pipe before the program writes.
            let mut child = Command::new(BIN)
                .args(&args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take());
            let o = child.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o.stderr));
            assert_eq!(text(&o.stderr), "", "{args:?}");
        }
    }
    // As in `cbrng fill ... | head -2` under `set -o pipefail`.
    let o = Command::new("bash")
        .args([
            "-c",
            &format!("set -o pipefail; {BIN} fill --algo philox4x32 --count 1000000 --device cpu | head -2"),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "6627e8d5\ne169c58d\n");
    assert_eq!(text(&o.stderr), "");
}

#[test]
fn a_failed_write_leaves_no_file_and_keeps_the_old_one() {
    let d = dir("fsize");
    let target = d.join("x.npy");
    let run = |limit_blocks: u32| {
        Command::new("bash")
            .args([
                "-c",
                &format!(
                    "ulimit -f {limit_blocks}; exec {BIN} fill --algo philox4x32 --device cpu --count 1000000 --format npy --out {}",
                    target.display()
                ),
            ])
            .output()
            .unwrap()
    };
    // 100 KiB of a 4 MB file: the size limit is a write error.
    let o = run(100);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        format!(
            "cbrng: error: {}: File too large (os error 27)\n",
            target.display()
        )
    );
    assert!(entries(&d).is_empty(), "{:?}", entries(&d));
    // An existing file is untouched by a failed run.
    std::fs::write(&target, b"old").unwrap();
    assert_eq!(run(100).status.code(), Some(2));
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(entries(&d), ["x.npy"]);
    // And replaced whole by a good one.
    let o = run(100_000);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::metadata(&target).unwrap().len(), 128 + 4_000_000);
    assert_eq!(entries(&d), ["x.npy"]);
}

#[test]
fn ctrl_c_removes_the_temporary_file() {
    let d = dir("sigint");
    let target = d.join("big.npy");
    let child = Command::new(BIN)
        .args([
            "fill",
            "--algo",
            "philox4x32",
            "--device",
            "cpu",
            "--count",
            "100000000000",
            "--format",
            "npy",
            "--out",
            target.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the temporary file holds data.
    let start = std::time::Instant::now();
    while !entries(&d).iter().any(|e| {
        e.ends_with(".tmp")
            && std::fs::metadata(d.join(e))
                .map(|m| m.len() > 0)
                .unwrap_or(false)
    }) {
        assert!(start.elapsed().as_secs() < 30, "no temporary file appeared");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let tmp = entries(&d);
    assert_eq!(tmp.len(), 1);
    assert!(tmp[0].starts_with(".big.npy.cbrng-"), "{tmp:?}");
    let st = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{}", text(&o.stderr));
    assert!(entries(&d).is_empty(), "{:?}", entries(&d));
}

#[test]
fn dash_and_pipes_for_sum_and_fill() {
    let d = dir("stdin");
    let npy = d.join("x.npy");
    // 1e30 + 1 - 1e30: the exact sum is 1.
    npy_f32(&npy, &[1e30, 1.0, -1e30]);
    let bytes = std::fs::read(&npy).unwrap();
    let want = "1\n3f800000\n";
    for (file, input) in [("-", bytes.clone()), ("/dev/stdin", bytes.clone())] {
        let mut child = Command::new(BIN)
            .args(["sum", "--device", "cpu", file])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::thread::spawn(move || stdin.write_all(&input));
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{file}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout), want, "{file}");
    }
    // A stream that ends early: its length shows at its end.
    let mut child = Command::new(BIN)
        .args(["sum", "--device", "cpu", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&bytes[..bytes.len() - 2])
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr),
        "cbrng: error: <stdin>: the header promises 3 elements (12 bytes) but the data ends after 10 bytes\n"
    );
    // A large .npy from a pipe (several 16 MiB read chunks), summed in
    // bounded memory: fill | sum.
    const N: &str = if DEBUG { "9000000" } else { "20000000" };
    let o = Command::new("bash")
        .args([
            "-c",
            &format!(
                "set -o pipefail; {BIN} fill --algo philox4x32 --device cpu --count {N} --dist uniform --dtype f32 --format npy --out - | {BIN} sum --device cpu -"
            ),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let via_file = {
        let f = d.join("u.npy");
        let fo = cbrng(&[
            "fill",
            "--algo",
            "philox4x32",
            "--device",
            "cpu",
            "--count",
            N,
            "--dist",
            "uniform",
            "--dtype",
            "f32",
            "--format",
            "npy",
            "--out",
            f.to_str().unwrap(),
        ]);
        assert!(fo.status.success());
        cbrng(&["sum", "--device", "cpu", f.to_str().unwrap()]).stdout
    };
    assert_eq!(text(&o.stdout), text(&via_file));
    // `--out -` is standard output, not a file named '-'.
    let o = Command::new(BIN)
        .current_dir(&d)
        .args([
            "fill",
            "--algo",
            "philox4x32",
            "--device",
            "cpu",
            "--count",
            "2",
            "--out",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), "6627e8d5\ne169c58d\n");
    assert!(!d.join("-").exists());
}

#[test]
fn kat_missing_file_is_an_error() {
    let o = cbrng(&["kat", KAT, "/nonexistent/vectors.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(text(&o.stdout), "");
    assert_eq!(
        text(&o.stderr),
        "cbrng: error: /nonexistent/vectors.txt: No such file or directory (os error 2)\n"
    );
}

#[test]
fn argument_errors_are_one_sentence_with_one_hint() {
    for (args, needle) in [
        (
            vec!["--count", "1e6"],
            "invalid value '1e6' for '--count <COUNT>'",
        ),
        (
            vec!["--count", "-3"],
            "invalid value '-3' for '--count <COUNT>'",
        ),
        (
            vec!["--count", "3", "--seed", "-1"],
            "invalid value '-1' for '--seed <SEED>'",
        ),
        (
            vec!["--count", "3", "--offset", "-1"],
            "invalid value '-1' for '--offset <OFFSET>'",
        ),
        (
            vec!["--count", "3", "--stream", "-1"],
            "invalid value '-1' for '--stream <STREAM>'",
        ),
    ] {
        let mut a = vec!["fill", "--algo", "philox4x32"];
        a.extend(args);
        let o = cbrng(&a);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{a:?}");
        assert!(
            err.starts_with("cbrng: error: ") && err.contains(needle),
            "{a:?}: {err}"
        );
        assert!(err.ends_with("; see cbrng fill --help.\n"), "{a:?}: {err}");
        assert_eq!(err.matches("help").count(), 1, "{a:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{a:?}: {err}");
    }
    let o = cbrng(&["--frob"]);
    assert_eq!(
        text(&o.stderr),
        "cbrng: error: unexpected argument '--frob' found; see cbrng --help.\n"
    );
    // Rejected values from the issue.
    for (args, needle) in [
        (
            vec!["--count", "3", "--key", "0x0x1,2,3,4"],
            "'0x0x1' is not a hex word",
        ),
        (
            vec!["--count", "3", "--dist", "normal:10,2", "--mean", "0"],
            "give them once",
        ),
    ] {
        let mut a = vec!["fill", "--algo", "philox4x32"];
        a.extend(args);
        let o = cbrng(&a);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains(needle), "{}", text(&o.stderr));
    }
}

#[test]
fn structured_npy_is_refused_by_name() {
    let d = dir("structured");
    let p = d.join("s.npy");
    let mut h = "{'descr': [('a', '<f4'), ('b', '<f8')], 'fortran_order': False, 'shape': (3,), }"
        .to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&(h.len() as u16).to_le_bytes());
    b.extend_from_slice(h.as_bytes());
    b.extend_from_slice(&[0; 36]);
    std::fs::write(&p, b).unwrap();
    let o = cbrng(&["sum", "--device", "cpu", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(err.contains("structured dtypes are not supported"), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn auto_without_a_driver_is_quiet_unless_verbose() {
    if cbrng::cuda::driver_present() {
        eprintln!("skipped: this machine has a CUDA driver");
        return;
    }
    let args = ["fill", "--algo", "philox4x32", "--count", "2"];
    let o = cbrng(&args);
    assert!(o.status.success());
    assert_eq!(text(&o.stderr), "");
    let mut v = args.to_vec();
    v.push("--verbose");
    let o = cbrng(&v);
    assert_eq!(
        text(&o.stderr),
        "cbrng: device: cpu (GPU: no CUDA driver (libcuda) found on this machine)\n"
    );
    // `info` says it too.
    let o = cbrng(&["info"]);
    assert!(text(&o.stdout).contains("no CUDA driver"));
    // `bench` names the GPU once.
    let o = cbrng(&["bench"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr).matches("GPU").count(),
        1,
        "{}",
        text(&o.stderr)
    );
}

/// The fill's elements as hex bits, the reference for `--format text`.
fn hex_bits(dist: &str, dtype: &str, n: &str) -> Vec<u64> {
    let o = cbrng(&[
        "fill",
        "--algo",
        "threefry4x64",
        "--seed",
        "3",
        "--device",
        "cpu",
        "--count",
        n,
        "--dist",
        dist,
        "--dtype",
        dtype,
    ]);
    assert!(o.status.success());
    text(&o.stdout)
        .lines()
        .map(|l| u64::from_str_radix(l, 16).unwrap())
        .collect()
}

fn text_lines(dist: &str, dtype: &str, n: &str) -> Vec<String> {
    let o = cbrng(&[
        "fill",
        "--algo",
        "threefry4x64",
        "--seed",
        "3",
        "--device",
        "cpu",
        "--count",
        n,
        "--dist",
        dist,
        "--dtype",
        dtype,
        "--format",
        "text",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout).lines().map(String::from).collect()
}

/// Significant digits of a decimal.
fn digits(s: &str) -> usize {
    let m = s.trim_start_matches('-').replace('.', "");
    m.trim_start_matches('0').trim_end_matches('0').len().max(1)
}

#[test]
fn text_is_decimal_and_round_trips_in_the_fewest_digits() {
    let n = "2000";
    // Integers.
    for (dist, dtype) in [
        ("bits", "u32"),
        ("bits", "u64"),
        ("bits", "u8"),
        ("int:5..1000", "u64"),
    ] {
        let want: Vec<String> = hex_bits(dist, dtype, n)
            .iter()
            .map(u64::to_string)
            .collect();
        assert_eq!(text_lines(dist, dtype, n), want, "{dist} {dtype}");
    }
    for (dtype, dists) in [
        ("f64", &["uniform", "normal"][..]),
        ("f32", &["uniform", "normal"][..]),
        ("f16", &["uniform"][..]),
        ("bf16", &["uniform"][..]),
    ] {
        for &dist in dists {
            let bits = hex_bits(dist, dtype, n);
            let lines = text_lines(dist, dtype, n);
            assert_eq!(bits.len(), lines.len());
            for (b, s) in bits.iter().zip(&lines) {
                assert!(
                    !s.contains('e') && !s.contains('E'),
                    "{s}: not plain decimal"
                );
                let v: f64 = s.parse().unwrap();
                // Reads back as the same bits ...
                let back = |v: f64| -> u64 {
                    match dtype {
                        "f64" => v.to_bits(),
                        "f32" => (v as f32).to_bits().into(),
                        "f16" => half::f16::from_f64(v).to_bits().into(),
                        _ => half::bf16::from_f64(v).to_bits().into(),
                    }
                };
                assert_eq!(back(v), *b, "{dtype} {dist}: {s}");
                // ... and one significant digit fewer does not.
                let k = digits(s);
                if k > 1 {
                    let shorter: f64 = format!("{v:.*e}", k - 2).parse().unwrap();
                    assert_ne!(back(shorter), *b, "{dtype} {dist}: {s} is not the shortest");
                }
            }
        }
    }
}

#[test]
fn shape_sets_the_npy_shape() {
    let d = dir("shape");
    let p = d.join("s.npy");
    let o = cbrng(&[
        "fill",
        "--algo",
        "philox4x32",
        "--device",
        "cpu",
        "--count",
        "60",
        "--format",
        "npy",
        "--shape",
        "3,4,5",
        "--out",
        p.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let b = std::fs::read(&p).unwrap();
    let h = cbrng::npy::read_header(&mut &b[..]).unwrap();
    assert_eq!(h.shape, [3, 4, 5]);
    assert_eq!(h.count, 60);
    assert_eq!(b.len() as u64, h.data_offset + 240);
    for (shape, format, needle) in [
        ("3,4,6", "npy", "different number of elements"),
        ("3,x", "npy", "--shape: 'x' is not a decimal integer"),
        ("60", "hex", "--shape applies only to --format npy"),
    ] {
        let o = cbrng(&[
            "fill",
            "--algo",
            "philox4x32",
            "--device",
            "cpu",
            "--count",
            "60",
            "--format",
            format,
            "--shape",
            shape,
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(text(&o.stderr).contains(needle), "{}", text(&o.stderr));
    }
}

#[test]
fn the_progress_bar_shows_on_a_terminal_only() {
    // Several seconds of work (the bar appears after one): decimal text is
    // formatted on one thread, so the time hardly depends on the core count.
    let count = if DEBUG { 6_000_000 } else { 40_000_000 };
    let args = format!(
        "{BIN} fill --algo philox4x32 --device cpu --count {count} --dist normal --dtype f64 --format text --out /dev/null"
    );
    // Not in a pipe.
    let o = Command::new("bash").args(["-c", &args]).output().unwrap();
    assert!(o.status.success());
    assert_eq!(text(&o.stderr), "");
    // On a terminal (a pseudo-terminal made by util-linux `script`).
    let Ok(mut child) = Command::new("script")
        .args(["-qec", &args, "/dev/null"])
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
    else {
        eprintln!("skipped the terminal half: no `script` command");
        return;
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(out.contains("elements (eta"), "{out:?}");
    // --quiet silences it.
    let o = Command::new("script")
        .args(["-qec", &format!("{args} --quiet"), "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !text(&o.stdout).contains("elements (eta"),
        "{}",
        text(&o.stdout)
    );
}

/// Every option each command's --help lists appears in the README's synopsis
/// of the program, and the README's bench line says what `bench` measures.
#[test]
fn help_and_readme_agree() {
    let readme = include_str!("../README.md");
    let start = readme.find("## The `cbrng` program").unwrap();
    let synopsis = &readme[start..];
    for cmd in ["kat", "fill", "info", "verify", "sum", "bench"] {
        let o = cbrng(&[cmd, "--help"]);
        assert!(o.status.success());
        let help = text(&o.stdout);
        assert!(synopsis.contains(&format!("cbrng {cmd}")), "{cmd}");
        for word in help.split_whitespace() {
            let end = word
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(word.len());
            let flag = &word[..end];
            if flag.starts_with("--") && flag.len() > 2 && flag != "--help" {
                assert!(synopsis.contains(flag), "README lacks {cmd} {flag}");
            }
        }
    }
    let bench = text(&cbrng(&["--help"]).stdout);
    for what in ["memset", "cuRAND", "dropout", "exact sums", "cargo bench"] {
        assert!(bench.contains(what), "--help's bench line lacks {what}");
        assert!(synopsis.contains(what), "README's bench line lacks {what}");
    }
    assert!(!readme.contains("no machine here has it"));
}

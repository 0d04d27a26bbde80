//! `cbrng permute`: its output equals the library's `Permutation` in every
//! format, any slice equals the same lines of the whole, huge N, the error
//! conventions of the other commands (one line, exit 2), `--out`, and every
//! option in the README. Every case runs the built binary.
#![cfg(feature = "cli")]
use cbrng::shuffle::Permutation;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_cbrng");

fn cbrng(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a command that must succeed and returns its stdout.
fn ok(args: &[&str]) -> Vec<u8> {
    let o = cbrng(args);
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(o.stderr.is_empty(), "{args:?}: {}", text(&o.stderr));
    o.stdout
}

/// The library's index(offset..offset + count).
fn library(seed: u64, stream: u64, n: u64, offset: u64, count: u64) -> Vec<u64> {
    let p = Permutation::from_seed(seed, stream, n).unwrap();
    let mut v = vec![0u64; count as usize];
    p.indices(offset, &mut v).unwrap();
    v
}

#[test]
fn text_is_the_library_order_one_a_line() {
    let out = text(&ok(&[
        "permute", "--n", "1000", "--seed", "42", "--stream", "3",
    ]));
    let got: Vec<u64> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(got, library(42, 3, 1000, 0, 1000));
    assert!(out.ends_with('\n'));
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..1000).collect::<Vec<u64>>());
    // Defaults: seed 0, stream 0.
    let d = text(&ok(&["permute", "--n", "300"]));
    let got: Vec<u64> = d.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(got, library(0, 0, 300, 0, 300));
}

#[test]
fn slices_are_the_same_lines_as_the_whole() {
    let whole = text(&ok(&["permute", "--n", "5000", "--seed", "7"]));
    let lines: Vec<&str> = whole.lines().collect();
    for (offset, count) in [(0, 1), (100, 50), (4999, 1), (1234, 3766), (5000, 0)] {
        let part = text(&ok(&[
            "permute",
            "--n",
            "5000",
            "--seed",
            "7",
            "--offset",
            &offset.to_string(),
            "--count",
            &count.to_string(),
        ]));
        let want = &lines[offset..offset + count];
        assert_eq!(part.lines().collect::<Vec<_>>(), want, "{offset} {count}");
    }
    // --offset alone prints the rest.
    let rest = text(&ok(&[
        "permute", "--n", "5000", "--seed", "7", "--offset", "4990",
    ]));
    assert_eq!(rest.lines().collect::<Vec<_>>(), &lines[4990..]);
}

#[test]
fn hex_raw_and_npy_hold_the_same_values() {
    let args = ["permute", "--n", "777", "--seed", "9", "--stream", "1"];
    let want = library(9, 1, 777, 0, 777);
    let hex = text(&ok(&[&args[..], &["--format", "hex"]].concat()));
    let got: Vec<u64> = hex
        .lines()
        .map(|l| {
            assert_eq!(l.len(), 16, "{l}");
            u64::from_str_radix(l, 16).unwrap()
        })
        .collect();
    assert_eq!(got, want);
    let raw = ok(&[&args[..], &["--format", "raw"]].concat());
    let got: Vec<u64> = raw
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(got, want);
    let npy = ok(&[&args[..], &["--format", "npy"]].concat());
    assert!(npy.starts_with(b"\x93NUMPY\x01\x00"));
    let header = text(&npy[10..npy.len() - 8 * 777]);
    assert!(
        header.contains("'descr': '<u8'") && header.contains("(777,)"),
        "{header}"
    );
    assert_eq!(&npy[npy.len() - 8 * 777..], &raw[..]);
}

#[test]
fn huge_n_and_the_smallest_n() {
    let max = u64::MAX.to_string();
    let out = text(&ok(&[
        "permute",
        "--n",
        &max,
        "--seed",
        "1",
        "--offset",
        "18446744073709551605",
    ]));
    let got: Vec<u64> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(got, library(1, 0, u64::MAX, u64::MAX - 10, 10));
    let big = text(&ok(&[
        "permute",
        "--n",
        "4294967297",
        "--count",
        "20",
        "--stream",
        "5",
    ]));
    let got: Vec<u64> = big.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(got, library(0, 5, (1 << 32) + 1, 0, 20));
    assert!(ok(&["permute", "--n", "0"]).is_empty());
    assert_eq!(text(&ok(&["permute", "--n", "1", "--seed", "3"])), "0\n");
}

#[test]
fn out_writes_the_same_bytes_as_stdout() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("permute-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("order.txt");
    let p = path.to_str().unwrap();
    let args = ["permute", "--n", "3000", "--seed", "11"];
    assert!(ok(&[&args[..], &["--out", p]].concat()).is_empty());
    assert_eq!(std::fs::read(&path).unwrap(), ok(&args));
    assert_eq!(ok(&[&args[..], &["--out", "-"]].concat()), ok(&args));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for (args, says) in [
        (vec!["permute"], "--n"),
        (vec!["permute", "--n", "-1"], "--n"),
        (vec!["permute", "--n", "18446744073709551616"], "--n"),
        (vec!["permute", "--n", "10", "--seed", "+1"], "--seed"),
        (
            vec!["permute", "--n", "10", "--offset", "11"],
            "passes the permutation's size",
        ),
        (
            vec!["permute", "--n", "10", "--offset", "5", "--count", "6"],
            "--offset 5 --count 6 passes the permutation's size --n 10",
        ),
        (
            vec![
                "permute",
                "--n",
                "10",
                "--count",
                "18446744073709551615",
                "--offset",
                "1",
            ],
            "passes",
        ),
        (vec!["permute", "--n", "10", "--format", "csv"], "csv"),
        (
            vec!["permute", "--n", "10", "--out", "/nonexistent-dir/x"],
            "nonexistent-dir",
        ),
    ] {
        let o = cbrng(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("cbrng: error: "), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

/// Every option `cbrng permute --help` lists is in the README's synopsis of
/// the program.
#[test]
fn help_and_readme_agree() {
    let readme = include_str!("../README.md");
    let start = readme.find("## The `cbrng` program").unwrap();
    let synopsis = &readme[start..];
    assert!(synopsis.contains("cbrng permute"));
    let help = text(&ok(&["permute", "--help"]));
    let mut flags = 0;
    for word in help.split_whitespace() {
        let end = word
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(word.len());
        let flag = &word[..end];
        if flag.starts_with("--") && flag.len() > 2 && flag != "--help" {
            assert!(synopsis.contains(flag), "README lacks permute {flag}");
            flags += 1;
        }
    }
    assert!(flags >= 7, "{help}");
    for format in ["text", "hex", "raw", "npy"] {
        assert!(help.contains(format), "{help}");
    }
}

//! `cbrng kat` and `cbrng::kat::parse` on files that are not known-answer
//! files (issue 18, defect 4): every line must be a vector, a comment or
//! blank; a file must hold a Philox or Threefry vector; words are hex words
//! within the word size; every error names the file and the line.
#![cfg(feature = "cli")]
use cbrng::Error;
use cbrng::kat::{RANDOM123_KAT, check_text, parse};
use std::process::Command;

const GOOD: &str = "philox2x32 7 00000000 00000000 00000000   257a3673 cd26be2a";

fn line_error(text: &str) -> (usize, String) {
    match parse(text, "t.kat") {
        Err(e @ Error::KatParse { line, .. }) => (line, e.to_string()),
        other => panic!("{text:?}: expected a line error, got {other:?}"),
    }
}

#[test]
fn random123_file_still_passes() {
    let r = check_text(RANDOM123_KAT, "random123").unwrap();
    assert_eq!((r.passed, r.failures.len(), r.skipped), (60, 0, 7));
}

#[test]
fn non_kat_lines_are_errors_with_their_line_numbers() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "root:x:0:0:root:/root:/bin/sh\n",
            1,
            "not a known-answer line",
        ),
        (
            &format!("# c\n\n{GOOD}\nhello world\n"),
            4,
            "not a known-answer line",
        ),
        (
            &GOOD.replace("philox", "Philox"),
            1,
            "not a known-answer line",
        ),
        (
            &GOOD.replace("philox", "PHILOX"),
            1,
            "not a known-answer line",
        ),
        (
            &GOOD.replace("philox", "phillox"),
            1,
            "not a known-answer line",
        ),
        (
            &GOOD.replace("philox2x32", "philox2x32-7"),
            1,
            "not a known-answer line",
        ),
        (
            &GOOD.replace("philox2x32", "philox8x32"),
            1,
            "not a known-answer line",
        ),
        (&GOOD.replace("cd26be2a", "+d26be2a"), 1, "not a hex word"),
        (&GOOD.replace("cd26be2a", "+5"), 1, "not a hex word"),
        (&GOOD.replace("cd26be2a", "-5"), 1, "not a hex word"),
        (
            &GOOD.replace("cd26be2a", "0x0xcd26be2a"),
            1,
            "not a hex word",
        ),
        (&GOOD.replace("cd26be2a", "cd26be2g"), 1, "not a hex word"),
        (
            &format!("{GOOD}\n{}", GOOD.replace("cd26be2a", "100000000")),
            2,
            "wider than 32 bits",
        ),
        (&GOOD.replace(" 7 ", " +7 "), 1, "round count"),
        (&GOOD.replace(" 7 ", " 07 "), 1, "round count"),
        (&GOOD.replace(" 7 ", " 0 "), 1, "out of range"),
        (&GOOD.replace(" 7 ", " 256 "), 1, "out of range"),
        (
            &GOOD.replace(" 7 ", " 99999999999999999999999 "),
            1,
            "round count",
        ),
        (&GOOD.replace(" cd26be2a", ""), 1, "needs 5 words"),
        ("philox2x32\n", 1, "missing round count"),
    ];
    for (text, line, needle) in cases {
        let (got, msg) = line_error(text);
        assert_eq!(got, *line, "{text:?}: {msg}");
        assert!(
            msg.contains(needle) && msg.starts_with("t.kat:"),
            "{text:?}: {msg}"
        );
        assert!(!msg.contains('\n'), "{msg:?}");
    }
    // Random123's other generators are skipped, but only with a real vector beside them.
    let (v, skipped) = parse(&format!("ars4x32 7 0 0 0 0 0 0 0 0\n{GOOD}\n"), "t").unwrap();
    assert_eq!((v.len(), skipped), (1, 1));
}

#[test]
fn a_file_without_vectors_is_an_error() {
    for text in ["", "# only comments\n\n", "ars4x32 7 0 0 0 0 0 0 0 0\n"] {
        let e = parse(text, "t.kat").unwrap_err().to_string();
        assert!(
            e.contains("t.kat") && e.contains("no Philox or Threefry vector"),
            "{e}"
        );
    }
}

#[test]
fn the_kat_command_fails_on_non_kat_files() {
    let dir = std::env::temp_dir().join(format!("cbrng-kat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let passwd = dir.join("passwd");
    std::fs::write(
        &passwd,
        "root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/usr/sbin/nologin\n",
    )
    .unwrap();
    let wide = dir.join("wide.kat");
    std::fs::write(
        &wide,
        format!("{GOOD}\n{}\n", GOOD.replace("00000000   ", "100000000   ")),
    )
    .unwrap();
    for (f, needle) in [(&passwd, ":1: "), (&wide, "wide.kat:2: ")] {
        let o = Command::new(env!("CARGO_BIN_EXE_cbrng"))
            .args(["kat", f.to_str().unwrap()])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(!o.status.success(), "{out}");
        assert!(out.contains(needle) && out.contains("1 failed"), "{out}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

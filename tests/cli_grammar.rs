//! The value grammar of `cbrng fill` (issue 18, defect 5), one table: each
//! row is a command line and either its first output line or a word of its
//! one-line error. The grammar itself is printed by `cbrng fill --help`
//! (src/bin/cbrng/fill.rs GRAMMAR) and defined in src/grammar.rs.
#![cfg(feature = "cli")]
use std::process::Command;

enum Want {
    /// Success; the first output line.
    Ok(&'static str),
    /// Success, whatever the output.
    Runs,
    /// Exit code 2 and one stderr line containing this.
    Err(&'static str),
}
use Want::*;

fn run(extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(["fill", "--device", "cpu"])
        .args(extra)
        .output()
        .expect("the binary runs")
}

#[rustfmt::skip]
const TABLE: &[(&[&str], Want)] = &[
    // Decimal integers: digits only, no sign, no leading zero.
    (&["--algo", "philox4x32-10", "--seed", "42", "--count", "1", "--dist", "uniform"], Ok("3f1ceaf0")),
    (&["--algo", "philox4x32-10", "--seed", "18446744073709551615", "--count", "1"], Runs),
    (&["--algo", "philox4x32-10", "--seed", "18446744073709551616", "--count", "1"], Err("does not fit 64 bits")),
    (&["--algo", "philox4x32-10", "--count", "+1"], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", "01"], Err("leading zero")),
    (&["--algo", "philox4x32-10", "--count", "-1"], Err("'-1'")),
    (&["--algo", "philox4x32-10", "--count", "1e3"], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", " 1"], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", ""], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", "1", "--seed", "+42"], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", "1", "--seed", "042"], Err("leading zero")),
    (&["--algo", "philox4x32-10", "--count", "1", "--stream", "+0"], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", "1", "--offset", "00"], Err("leading zero")),
    (&["--algo", "philox4x32-10", "--count", "1", "--offset", "0"], Runs),
    // Offsets are U128: a 4x32 stream has 2^66 u32 elements.
    (&["--algo", "philox4x32-10", "--count", "1", "--offset", "73786976294838206463"], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--offset", "73786976294838206464"], Err("past the end")),
    (&["--algo", "philox4x32-10", "--count", "1", "--offset", "340282366920938463463374607431768211456"], Err("too large")),
    // Generator names: any case; rounds a decimal integer in 1..=255.
    (&["--algo", "PHILOX4X32-10", "--seed", "42", "--count", "1", "--dist", "uniform"], Ok("3f1ceaf0")),
    (&["--algo", "philox4x32", "--seed", "42", "--count", "1", "--dist", "uniform"], Ok("3f1ceaf0")),
    (&["--algo", "philox4x32-+10", "--count", "1"], Err("unknown algorithm")),
    (&["--algo", "philox4x32-010", "--count", "1"], Err("unknown algorithm")),
    (&["--algo", "philox4x32-", "--count", "1"], Err("unknown algorithm")),
    (&["--algo", "philox4x32-0", "--count", "1"], Err("out of range")),
    (&["--algo", "philox4x32-256", "--count", "1"], Err("out of range")),
    // Keys: hex words, one optional 0x, within the word size, as many as the generator takes.
    (&["--algo", "philox4x32-10", "--key", "0x2a,0", "--count", "1", "--dist", "uniform"], Ok("3f1ceaf0")),
    (&["--algo", "philox4x32-10", "--key", "2A,00000000", "--count", "1", "--dist", "uniform"], Ok("3f1ceaf0")),
    (&["--algo", "philox4x32-10", "--key", "0X2a,0x0", "--count", "1", "--dist", "uniform"], Ok("3f1ceaf0")),
    (&["--algo", "philox4x32-10", "--key", "0x0x2a,0", "--count", "1"], Err("not a hex word")),
    (&["--algo", "philox4x32-10", "--key", "+2a,0", "--count", "1"], Err("not a hex word")),
    (&["--algo", "philox4x32-10", "--key", " 2a,0", "--count", "1"], Err("not a hex word")),
    (&["--algo", "philox4x32-10", "--key", "0x,0", "--count", "1"], Err("not a hex word")),
    (&["--algo", "philox4x32-10", "--key", "2a,", "--count", "1"], Err("not a hex word")),
    (&["--algo", "philox4x32-10", "--key", "2a", "--count", "1"], Err("takes 2 key word")),
    (&["--algo", "philox4x32-10", "--key", "1ffffffff,0", "--count", "1"], Err("wider than 32 bits")),
    (&["--algo", "philox2x64-10", "--key", "ffffffffffffffff", "--count", "1"], Runs),
    (&["--algo", "philox2x64-10", "--key", "1ffffffffffffffff", "--count", "1"], Err("wider than 64 bits")),
    // Reals: decimal notation, finite, no '+'.
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:-1.5,2e-3"], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:.5,1."], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:NaN,1"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:inf,1"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:+1,1"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:1e999,1"], Err("too large")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal: 1,1"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:0x1,1"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--mean", "-3", "--std", "0.5"], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--mean", "nan"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--std", "+1"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--std", "-1"], Err("std >= 0")),
    // The normal's parameters are given once: a bad value cannot hide behind --mean.
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:NaN,1", "--mean", "0"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:0,1", "--mean", "0"], Err("give them once")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal:0,1", "--std", "2"], Err("give them once")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "uniform", "--mean", "0"], Err("only to --dist normal")),
    // Results that overflow the dtype: mean +- std * z_max must be finite.
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--std", "3e38"], Err("overflows f32")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--std", "5e37"], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--std", "6e37"], Err("overflows f32")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--mean", "3.4e38", "--std", "1e37"], Err("overflows f32")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--std", "3e38", "--dtype", "f64"], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--std", "1e308", "--dtype", "f64"], Err("overflows f64")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "normal", "--mean", "-1.79e308", "--std", "1e306", "--dtype", "f64"], Err("overflows f64")),
    // Other distribution specs.
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "bernoulli:0.5"], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "bernoulli:+0.5"], Err("not a number")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "bernoulli:1.5"], Err("outside [0, 1]")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "int:0..18446744073709551616", "--dtype", "u64"], Runs),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "int:+1..5"], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "int:01..5"], Err("leading zero")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "int:1..+5"], Err("not a decimal integer")),
    (&["--algo", "philox4x32-10", "--count", "1", "--dist", "int:1..1"], Err("empty")),
];

#[test]
fn fill_value_grammar_table() {
    for (args, want) in TABLE {
        let o = run(args);
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        match want {
            Ok(first) => {
                assert!(o.status.success(), "{args:?}: {err}");
                assert_eq!(out.lines().next(), Some(*first), "{args:?}");
            }
            Runs => assert!(o.status.success(), "{args:?}: {err}"),
            Err(needle) => {
                assert_eq!(
                    o.status.code(),
                    Some(2),
                    "{args:?} exited {:?}: {out}",
                    o.status
                );
                assert!(err.contains(needle), "{args:?}: {err:?} lacks {needle:?}");
                assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
                assert!(!err.contains("panicked"), "{args:?}: {err}");
                assert!(out.is_empty(), "{args:?} wrote output before failing");
            }
        }
    }
}

#[test]
fn the_grammar_is_in_the_help() {
    let o = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(["fill", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for w in [
        "Value grammar",
        "U64, U128",
        "HEX",
        "REAL",
        "NAME",
        "DIST",
        "give them once",
    ] {
        assert!(help.contains(w), "help lacks {w:?}: {help}");
    }
}

//! `cbrng fill` with the contract v3 additions of the truncnorm branch:
//! `truncated-normal:A,B[,MEAN,STD]`, `uniform:LO,HI` in f16/bf16 and
//! `categorical:W0,W1,...` / `categorical:@FILE`: the program writes what the
//! library fills, and bad specs are one-line errors with exit status 2.
use cbrng::dist::categorical::Categorical;
use cbrng::{Algorithm, Dist, Stream};
use std::process::{Command, Output};

fn cbrng(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(args)
        .output()
        .expect("run cbrng")
}

fn text(o: &Output) -> Vec<String> {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn base<'a>(dist: &'a str, dtype: &'a str) -> Vec<&'a str> {
    vec![
        "fill",
        "--algo",
        "philox4x32",
        "--seed",
        "7",
        "--stream",
        "3",
        "--offset",
        "11",
        "--count",
        "500",
        "--device",
        "cpu",
        "--format",
        "hex",
        "--dist",
        dist,
        "--dtype",
        dtype,
    ]
}

#[test]
fn truncated_normal_and_uniform_16_are_the_library_fill() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 3).unwrap();
    for spec in [
        "truncated-normal:-inf,-30",
        "truncated-normal:-2,2,0.5,0.02",
        "truncated-normal:8,9",
    ] {
        let d: Dist = spec.parse().unwrap();
        let mut v = vec![0f64; 500];
        s.fill(&d, 11, &mut v).unwrap();
        let want: Vec<String> = v.iter().map(|x| format!("{:016x}", x.to_bits())).collect();
        assert_eq!(text(&cbrng(&base(spec, "f64"))), want, "{spec}");
    }
    let d: Dist = "uniform:-1.5,2".parse().unwrap();
    let mut v = vec![half::bf16::ZERO; 500];
    s.fill(&d, 11, &mut v).unwrap();
    let want: Vec<String> = v.iter().map(|x| format!("{:04x}", x.to_bits())).collect();
    assert_eq!(text(&cbrng(&base("uniform:-1.5,2", "bf16"))), want);
}

#[test]
fn categorical_inline_and_from_a_file_are_the_library_fill() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 3).unwrap();
    let c = Categorical::new(&[1.0, 0.0, 3.0, 0.5]).unwrap();
    let mut v = vec![0i64; 500];
    c.fill(&s, 11, &mut v).unwrap();
    let want: Vec<String> = v.iter().map(|x| format!("{:016x}", *x as u64)).collect();
    assert_eq!(text(&cbrng(&base("categorical:1,0,3,0.5", "i64"))), want);
    let path = std::env::temp_dir().join(format!("cbrng_cli_v3_{}.txt", std::process::id()));
    std::fs::write(&path, "# weights\n1\n0\n\n3\n0.5\n").unwrap();
    let spec = format!("categorical:@{}", path.display());
    let got = text(&cbrng(&base(&spec, "i64")));
    std::fs::remove_file(&path).ok();
    assert_eq!(got, want);
    assert!(v.iter().all(|&j| j != 1), "a zero weight is never drawn");
}

#[test]
fn bad_specs_are_one_line_errors() {
    for (spec, dtype, needle) in [
        ("truncated-normal:2,1", "f32", "A < B"),
        ("truncated-normal:inf,inf", "f64", "A < B"),
        ("truncated-normal:0,1,0,-1", "f64", "std >= 0"),
        ("truncated-normal:0,x", "f64", "B:"),
        ("truncated-normal:0", "f64", "expected truncated-normal"),
        ("truncated-normal:0,inf", "f16", "f16"),
        ("uniform:1000,1001", "bf16", "lo < hi"),
        ("categorical:1,-1", "u32", "weight 1"),
        ("categorical:0,0", "u32", "all 0"),
        ("categorical:1,2", "f32", "categorical"),
        (
            "categorical:@/nonexistent/cbrng/weights",
            "u32",
            "weights file",
        ),
        ("categorical", "u32", "expected categorical"),
    ] {
        let o = cbrng(&base(spec, dtype));
        assert_eq!(o.status.code(), Some(2), "{spec}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{spec}: {err}");
        assert!(err.contains(needle), "{spec}: {err}");
        assert!(o.stdout.is_empty(), "{spec}: wrote output");
    }
}

//! The crate's own elementary functions (`cbrng::dist::exact_math`) and the
//! contract v2 standard variates (`cbrng::dist::continuous`) against exact
//! values from mpmath (tests/data/exact_math_reference.txt, made by
//! tests/data/gen_exact_math_reference.py): every line within the error bound
//! documented for the function, in ulps of the exact value's binade (of
//! max(|exact|, 1) for the Gumbel and Laplace variates, whose zero sits where
//! the rounded tail probability has an absolute, not relative, error). The
//! maxima are printed (`--nocapture`) and are the numbers in the docs.
use cbrng::dist::{continuous as c, exact_math as m};
use std::collections::BTreeMap;

/// ulp of the binade of `x` for a type with `mant` fraction bits and
/// smallest subnormal exponent `min_exp`.
fn ulp(x: f64, mant: i32, min_exp: i32) -> f64 {
    let e = if x == 0.0 {
        min_exp
    } else {
        (x.abs().log2().floor() as i32 - mant).max(min_exp)
    };
    // in two factors: 2f64.powi(-1061) would overflow 2^1061 and give 0
    2f64.powi(e / 2) * 2f64.powi(e - e / 2)
}

/// Error of `got` against `hi + lo`, in ulps of `max(|exact|, floor)`.
fn ulps(got: f64, hi: f64, lo: f64, f32_type: bool, floor: f64) -> f64 {
    let (mant, min_exp) = if f32_type { (23, -149) } else { (52, -1074) };
    let e = if got.is_finite() {
        ((got - hi) - lo).abs()
    } else {
        f64::INFINITY
    };
    e / ulp(hi.abs().max(floor), mant, min_exp)
}

/// (documented bound in ulps, floor of the ulp's binade) per function.
fn bound(name: &str) -> (f64, f64) {
    match name {
        "ln_f32" | "ln_f64" => (1.0, 0.0),
        "log1p_f32" | "log1p_f64" => (1.5, 0.0),
        "exp_f32" | "exp_f64" => (1.5, 0.0),
        "sinpi_f32" | "sinpi_f64" | "cospi_f32" | "cospi_f64" => (1.5, 0.0),
        "exponential_std_f32" | "exponential_std_f64" => (2.0, 0.0),
        "gumbel_std_f32" | "gumbel_std_f64" => (2.0, 1.0),
        "laplace_std_f32" | "laplace_std_f64" => (1.5, 1.0),
        "logistic_std_f32" | "logistic_std_f64" => (2.5, 0.0),
        "cauchy_std_f32" | "cauchy_std_f64" => (3.0, 0.0),
        _ => panic!("unknown function {name}"),
    }
}

fn eval(name: &str, input: u64) -> f64 {
    let x32 = f32::from_bits(input as u32);
    let x64 = f64::from_bits(input);
    let (w32, w64) = (input as u32, input);
    match name {
        "ln_f32" => m::ln_f32(x32).into(),
        "ln_f64" => m::ln_f64(x64),
        "log1p_f32" => m::log1p_f32(x32).into(),
        "log1p_f64" => m::log1p_f64(x64),
        "exp_f32" => m::exp_f32(x32).into(),
        "exp_f64" => m::exp_f64(x64),
        "sinpi_f32" => m::sinpi_f32(x32).into(),
        "sinpi_f64" => m::sinpi_f64(x64),
        "cospi_f32" => m::cospi_f32(x32).into(),
        "cospi_f64" => m::cospi_f64(x64),
        "exponential_std_f32" => c::exponential_std_f32(w32).into(),
        "exponential_std_f64" => c::exponential_std_f64(w64),
        "gumbel_std_f32" => c::gumbel_std_f32(w32).into(),
        "gumbel_std_f64" => c::gumbel_std_f64(w64),
        "laplace_std_f32" => c::laplace_std_f32(w32).into(),
        "laplace_std_f64" => c::laplace_std_f64(w64),
        "logistic_std_f32" => c::logistic_std_f32(w32).into(),
        "logistic_std_f64" => c::logistic_std_f64(w64),
        "cauchy_std_f32" => c::cauchy_std_f32(w32).into(),
        "cauchy_std_f64" => c::cauchy_std_f64(w64),
        _ => panic!("unknown function {name}"),
    }
}

#[test]
fn every_function_is_within_its_documented_ulps_of_mpmath() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/exact_math_reference.txt"
    ))
    .unwrap();
    // name -> (max ulps, at input, lines)
    let mut worst: BTreeMap<String, (f64, u64, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f.len(), 4, "malformed line {line:?}");
        let name = f[0];
        let input = u64::from_str_radix(f[1], 16).unwrap();
        let hi = f64::from_bits(u64::from_str_radix(f[2], 16).unwrap());
        let lo: f64 = f[3].parse().unwrap();
        let got = eval(name, input);
        let (limit, floor) = bound(name);
        let e = ulps(got, hi, lo, name.ends_with("_f32"), floor);
        let w = worst.entry(name.to_string()).or_insert((0.0, 0, 0));
        w.2 += 1;
        if e > w.0 {
            *w = (e, input, w.2);
        }
        if e > limit || e.is_nan() {
            failures.push(format!(
                "{name}({:#x}) = {got:e}, exact {hi:e}: {e:.3} ulp > {limit}",
                input
            ));
        }
    }
    for (name, (e, at, n)) in &worst {
        println!("{name:22} max {e:.3} ulp at {at:#x} ({n} inputs)");
    }
    assert_eq!(worst.len(), 20, "every function has reference lines");
    assert!(
        failures.is_empty(),
        "{} over the bound:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
}

/// The edges the reference file cannot list by value: exact points and the
/// ends of the ranges.
#[test]
fn exact_points_and_range_ends() {
    assert_eq!(m::exp_f32(0.0), 1.0);
    assert_eq!(m::exp_f64(0.0), 1.0);
    assert_eq!(m::exp_f32(-200.0), 0.0);
    assert_eq!(m::exp_f64(-1000.0), 0.0);
    assert_eq!(m::exp_f32(100.0), f32::INFINITY);
    assert_eq!(m::exp_f64(1000.0), f64::INFINITY);
    // subnormal results, rounded once
    assert_eq!(m::exp_f32(-103.0), (-103.0f64).exp() as f32);
    assert!(m::exp_f32(-100.0) > 0.0 && m::exp_f32(-100.0) < f32::MIN_POSITIVE);
    assert_eq!(m::log1p_f32(1e-30), 1e-30);
    assert_eq!(m::log1p_f64(-1e-300), -1e-300);
    assert_eq!(m::log1p_f64(0.0), 0.0);
    assert_eq!(m::sinpi_f32(0.0), 0.0);
    assert_eq!(m::cospi_f64(0.0), 1.0);
}

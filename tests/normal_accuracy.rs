//! Accuracy of `cbrng::dist::normal` against independent high-precision reference
//! values (`tests/data/normal_reference.txt`, made by `gen_normal_reference.py` with
//! mpmath: the exact inverse normal CDF of the exact tail probability q of each
//! stream element).
//!
//! Errors are in ulps of the result type, the ulp being that of the reference
//! value's binade: a relative measure, also near z = 0. The reference decimal (25
//! digits) is not just rounded to f64: its exact difference from the nearest f64 is
//! recovered with integer arithmetic, so f64 errors are exact to ~1e-8 ulp.
//!
//! Set `CBRNG_NORMAL_REFERENCE=/path/to/file` to run against another file in the
//! same format (e.g. a larger one from the generator script).

use cbrng::dist::normal::{standard_normal_f32, standard_normal_f64};

/// Bounds per class, the measured maxima rounded up a little (see the module docs
/// of `cbrng::dist::normal`): f32 [central, tail] = exhaustive maxima 6.12, 5.57;
/// f64 [central, tail r <= 5, tail r > 5] = maxima over ~160 000 mpmath points
/// 6.05, 5.28, 3.19 (this file alone: 5.09, 4.40, 2.95).
const MAX_ULP_F32: [f64; 2] = [6.5, 6.0];
const MAX_ULP_F64: [f64; 3] = [7.0, 6.0, 4.0];

/// A decimal `M * 10^E` with `M` an integer of at most ~31 digits.
struct Decimal {
    negative: bool,
    mantissa: u128,
    exp10: i32,
}

/// Parses `[-]d.ddd[e[+-]X]`.
fn parse_decimal(s: &str) -> Decimal {
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().expect("exponent")),
        None => (s, 0),
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    let digits = format!("{int_part}{frac_part}");
    assert!(digits.len() <= 31, "too many digits: {s}");
    Decimal {
        negative,
        mantissa: digits.parse().expect("digits"),
        exp10: exp - frac_part.len() as i32,
    }
}

/// `got - reference` as an f64, accurate to ~1e-25 relative to the reference, for
/// `got` an f64 within a factor 2 of the reference.
fn error_vs_decimal(got: f64, reference: &str) -> f64 {
    let r = parse_decimal(reference);
    let nearest: f64 = reference.parse().expect("reference value");
    // Exact decimal of `nearest` to 30 significant digits (Rust formats exactly).
    let n = parse_decimal(&format!("{:.29e}", nearest.abs()));
    // residual = |reference| - |nearest|, exactly, on a common decimal exponent.
    let e = r.exp10.min(n.exp10);
    let (sr, sn) = ((r.exp10 - e) as u32, (n.exp10 - e) as u32);
    assert!(
        sr <= 7 && sn <= 7,
        "decimal exponents too far apart: {reference}"
    );
    let residual_int =
        (r.mantissa * 10u128.pow(sr)) as i128 - (n.mantissa * 10u128.pow(sn)) as i128;
    let residual = residual_int as f64 * 10f64.powi(e);
    // got - nearest is exact (Sterbenz: same sign, within a factor 2).
    let sign = if r.negative { -1.0 } else { 1.0 };
    (got - nearest) - sign * residual
}

/// Size of one ulp of a `precision`-bit float in the binade of `v`.
fn ulp(v: f64, precision: i32) -> f64 {
    f64::from_bits(v.abs().to_bits() & 0x7ff0_0000_0000_0000) * 2f64.powi(1 - precision)
}

/// Worst case seen in one class of inputs.
#[derive(Default)]
struct Worst {
    ulps: f64,
    line: String,
    count: usize,
}

impl Worst {
    fn add(&mut self, ulps: f64, line: &str) {
        self.count += 1;
        if ulps > self.ulps || self.line.is_empty() {
            self.ulps = ulps;
            self.line = line.to_string();
        }
    }
}

#[test]
fn normal_matches_reference() {
    let path = std::env::var("CBRNG_NORMAL_REFERENCE").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/normal_reference.txt"
        )
        .to_string()
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));

    // f32: [central, tail]; f64: [central, tail r <= 5, far tail r > 5].
    let mut w32: [Worst; 2] = Default::default();
    let mut w64: [Worst; 3] = Default::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields.len(), 3, "bad line: {line}");
        let reference = fields[2];
        let z_ref: f64 = reference.parse().unwrap();
        match fields[0] {
            "f32" => {
                let x = u32::from_str_radix(fields[1], 16).unwrap();
                let z = standard_normal_f32(x);
                assert_eq!(z < 0.0, z_ref < 0.0, "sign: {line}");
                let ulps = error_vs_decimal(z as f64, reference).abs() / ulp(z_ref, 24);
                // Branch as the implementation takes it (on the f32-rounded d).
                let q_int = 2 * (x & 0x7fff_ffff) + 1;
                let central = (q_int.wrapping_neg() as f32) * 2f32.powi(-33) <= 0.425;
                w32[usize::from(!central)].add(ulps, line);
            }
            "f64" => {
                let x = u64::from_str_radix(fields[1], 16).unwrap();
                let z = standard_normal_f64(x);
                assert_eq!(z < 0.0, z_ref < 0.0, "sign: {line}");
                let ulps = error_vs_decimal(z, reference).abs() / ulp(z_ref, 53);
                let q_int = 2 * ((x & 0x7fff_ffff_ffff_ffff) >> 11) + 1;
                let q = q_int as f64 * 2f64.powi(-54);
                let class = if 0.5 - q <= 0.425 {
                    0
                } else if -q.ln() <= 25.0 {
                    1
                } else {
                    2
                };
                w64[class].add(ulps, line);
            }
            other => panic!("unknown type {other}: {line}"),
        }
    }

    let report = |name: &str, w: &Worst| {
        println!(
            "{name:>22}: {:>5} points, max {:.3} ulp at `{}`",
            w.count, w.ulps, w.line
        );
    };
    report("f32 central", &w32[0]);
    report("f32 tail", &w32[1]);
    report("f64 central", &w64[0]);
    report("f64 tail (r <= 5)", &w64[1]);
    report("f64 far tail (r > 5)", &w64[2]);

    // Guard against a truncated or mis-generated file: every class must be populated.
    for w in w32.iter().chain(&w64) {
        assert!(w.count >= 50, "too few reference points in a class");
    }
    assert!(w32.iter().map(|w| w.count).sum::<usize>() >= 2500);
    assert!(w64.iter().map(|w| w.count).sum::<usize>() >= 2500);
    for (w, bound) in w32.iter().zip(MAX_ULP_F32) {
        assert!(
            w.ulps <= bound,
            "f32 error {} ulp > {bound} at `{}`",
            w.ulps,
            w.line
        );
    }
    for (w, bound) in w64.iter().zip(MAX_ULP_F64) {
        assert!(
            w.ulps <= bound,
            "f64 error {} ulp > {bound} at `{}`",
            w.ulps,
            w.line
        );
    }
}

/// The exact-residual machinery itself: a decimal that is exactly an f64 has zero
/// error, and one ulp off is measured as one ulp.
#[test]
fn error_measure_self_check() {
    let z = 1.2345678901234567_f64;
    assert_eq!(error_vs_decimal(z, &format!("{:.29e}", z)), 0.0);
    let next = f64::from_bits(z.to_bits() + 1);
    let e = error_vs_decimal(next, &format!("{:.24e}", z)) / ulp(z, 53);
    assert!((e - 1.0).abs() < 1e-6, "{e}");
    let e = error_vs_decimal(-next, &format!("{:.24e}", -z)) / ulp(z, 53);
    assert!((e + 1.0).abs() < 1e-6, "{e}");
}

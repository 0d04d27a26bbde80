//! The CUDA sources: the device headers under `kernels/` embedded in the
//! crate (NVRTC users get them from here; nvcc users include `kernels/`), and
//! the generated constants header.
//!
//! Every constant of the definition has one home, the Rust module that uses
//! it; `kernels/cbrng/constants.cuh` is generated from them by
//! [`constants_header`] (exact hexadecimal literals), and a test fails if the
//! committed file differs (`CBRNG_BLESS=1 cargo test --test kernel_sources`
//! rewrites it).

use crate::dist::{discrete as d, exact_math as e, normal as n, uniform as u};
use crate::generator::{philox as p, threefry as t};
use crate::shuffle;

/// A constant as the header spells it.
#[derive(Clone, Copy)]
enum Value {
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
}

/// Exact C hexadecimal literal of a normal, finite, non-zero f32 (`0x1.8p-3f`).
fn hex_f32(x: f32) -> String {
    let b = x.to_bits();
    let sign = if b >> 31 == 1 { "-" } else { "" };
    let exp = ((b >> 23) & 0xff) as i32 - 127;
    // 23 fraction bits, padded to 24 so they print as 6 hex digits.
    format!("{sign}0x1.{:06x}p{exp:+}f", (b & 0x7f_ffff) << 1)
}

/// Exact C hexadecimal literal of a normal, finite, non-zero f64.
fn hex_f64(x: f64) -> String {
    let b = x.to_bits();
    let sign = if b >> 63 == 1 { "-" } else { "" };
    let exp = ((b >> 52) & 0x7ff) as i32 - 1023;
    format!("{sign}0x1.{:013x}p{exp:+}", b & 0xf_ffff_ffff_ffff)
}

fn constants() -> Vec<(String, Value)> {
    use Value::*;
    let mut v: Vec<(String, Value)> = vec![
        (
            "MAX_ATTEMPTS".into(),
            U32(crate::dist::attempts::MAX_ATTEMPTS),
        ),
        ("PHILOX_M2X32_0".into(), U32(p::PHILOX_M2X32_0)),
        ("PHILOX_M4X32_0".into(), U32(p::PHILOX_M4X32_0)),
        ("PHILOX_M4X32_1".into(), U32(p::PHILOX_M4X32_1)),
        ("PHILOX_M2X64_0".into(), U64(p::PHILOX_M2X64_0)),
        ("PHILOX_M4X64_0".into(), U64(p::PHILOX_M4X64_0)),
        ("PHILOX_M4X64_1".into(), U64(p::PHILOX_M4X64_1)),
        ("PHILOX_W32_0".into(), U32(p::PHILOX_W32_0)),
        ("PHILOX_W32_1".into(), U32(p::PHILOX_W32_1)),
        ("PHILOX_W64_0".into(), U64(p::PHILOX_W64_0)),
        ("PHILOX_W64_1".into(), U64(p::PHILOX_W64_1)),
        ("SKEIN_KS_PARITY32".into(), U32(t::SKEIN_KS_PARITY32)),
        ("SKEIN_KS_PARITY64".into(), U64(t::SKEIN_KS_PARITY64)),
    ];
    for (i, r) in t::ROTATIONS_2X32.iter().enumerate() {
        v.push((format!("R_2X32_{i}"), U32(*r)));
    }
    for (i, r) in t::ROTATIONS_2X64.iter().enumerate() {
        v.push((format!("R_2X64_{i}"), U32(*r)));
    }
    for (i, [a, b]) in t::ROTATIONS_4X32.iter().enumerate() {
        v.push((format!("R_4X32_{i}_0"), U32(*a)));
        v.push((format!("R_4X32_{i}_1"), U32(*b)));
    }
    for (i, [a, b]) in t::ROTATIONS_4X64.iter().enumerate() {
        v.push((format!("R_4X64_{i}_0"), U32(*a)));
        v.push((format!("R_4X64_{i}_1"), U32(*b)));
    }
    v.extend([
        ("TWO_POW_M24".into(), F32(u::TWO_POW_M24)),
        ("TWO_POW_M53".into(), F64(u::TWO_POW_M53)),
        ("TWO_POW_M33".into(), F32(n::TWO_POW_M33)),
        ("TWO_POW_M54".into(), F64(n::TWO_POW_M54)),
        (
            "SQRT_2PI_F32".into(),
            F32(crate::dist::truncnorm::SQRT_2PI_F32),
        ),
        (
            "SQRT_2PI_F64".into(),
            F64(crate::dist::truncnorm::SQRT_2PI_F64),
        ),
        ("SQRT2_MANT_F32".into(), U32(n::SQRT2_MANT_F32)),
        ("SQRT2_MANT_F64".into(), U64(n::SQRT2_MANT_F64)),
        (
            "PERMUTATION_ROUNDS".into(),
            U32(shuffle::PERMUTATION_ROUNDS as u32),
        ),
        (
            "PERMUTATION_MIN_BITS".into(),
            U32(shuffle::PERMUTATION_MIN_BITS),
        ),
    ]);
    let f32s: &[(&str, f32)] = &[
        ("SPLIT1_F32", n::SPLIT1_F32),
        ("SPLIT2_F32", n::SPLIT2_F32),
        ("CONST1_F32", n::CONST1_F32),
        ("CONST2_F32", n::CONST2_F32),
        ("A0_F32", n::A0_F32),
        ("A1_F32", n::A1_F32),
        ("A2_F32", n::A2_F32),
        ("A3_F32", n::A3_F32),
        ("B1_F32", n::B1_F32),
        ("B2_F32", n::B2_F32),
        ("B3_F32", n::B3_F32),
        ("C0_F32", n::C0_F32),
        ("C1_F32", n::C1_F32),
        ("C2_F32", n::C2_F32),
        ("C3_F32", n::C3_F32),
        ("D1_F32", n::D1_F32),
        ("D2_F32", n::D2_F32),
        ("E0_F32", n::E0_F32),
        ("E1_F32", n::E1_F32),
        ("E2_F32", n::E2_F32),
        ("E3_F32", n::E3_F32),
        ("F1_F32", n::F1_F32),
        ("F2_F32", n::F2_F32),
        ("LN2_HI_F32", n::LN2_HI_F32),
        ("LN2_LO_F32", n::LN2_LO_F32),
        ("LG1_F32", n::LG1_F32),
        ("LG2_F32", n::LG2_F32),
        ("LG3_F32", n::LG3_F32),
        ("LG4_F32", n::LG4_F32),
    ];
    v.extend(f32s.iter().map(|(k, x)| (k.to_string(), F32(*x))));
    let f64s: &[(&str, f64)] = &[
        ("SPLIT1_F64", n::SPLIT1_F64),
        ("SPLIT2_F64", n::SPLIT2_F64),
        ("CONST1_F64", n::CONST1_F64),
        ("CONST2_F64", n::CONST2_F64),
        ("A0_F64", n::A0_F64),
        ("A1_F64", n::A1_F64),
        ("A2_F64", n::A2_F64),
        ("A3_F64", n::A3_F64),
        ("A4_F64", n::A4_F64),
        ("A5_F64", n::A5_F64),
        ("A6_F64", n::A6_F64),
        ("A7_F64", n::A7_F64),
        ("B1_F64", n::B1_F64),
        ("B2_F64", n::B2_F64),
        ("B3_F64", n::B3_F64),
        ("B4_F64", n::B4_F64),
        ("B5_F64", n::B5_F64),
        ("B6_F64", n::B6_F64),
        ("B7_F64", n::B7_F64),
        ("C0_F64", n::C0_F64),
        ("C1_F64", n::C1_F64),
        ("C2_F64", n::C2_F64),
        ("C3_F64", n::C3_F64),
        ("C4_F64", n::C4_F64),
        ("C5_F64", n::C5_F64),
        ("C6_F64", n::C6_F64),
        ("C7_F64", n::C7_F64),
        ("D1_F64", n::D1_F64),
        ("D2_F64", n::D2_F64),
        ("D3_F64", n::D3_F64),
        ("D4_F64", n::D4_F64),
        ("D5_F64", n::D5_F64),
        ("D6_F64", n::D6_F64),
        ("D7_F64", n::D7_F64),
        ("E0_F64", n::E0_F64),
        ("E1_F64", n::E1_F64),
        ("E2_F64", n::E2_F64),
        ("E3_F64", n::E3_F64),
        ("E4_F64", n::E4_F64),
        ("E5_F64", n::E5_F64),
        ("E6_F64", n::E6_F64),
        ("E7_F64", n::E7_F64),
        ("F1_F64", n::F1_F64),
        ("F2_F64", n::F2_F64),
        ("F3_F64", n::F3_F64),
        ("F4_F64", n::F4_F64),
        ("F5_F64", n::F5_F64),
        ("F6_F64", n::F6_F64),
        ("F7_F64", n::F7_F64),
        ("LN2_HI_F64", n::LN2_HI_F64),
        ("LN2_LO_F64", n::LN2_LO_F64),
        ("LG1_F64", n::LG1_F64),
        ("LG2_F64", n::LG2_F64),
        ("LG3_F64", n::LG3_F64),
        ("LG4_F64", n::LG4_F64),
        ("LG5_F64", n::LG5_F64),
        ("LG6_F64", n::LG6_F64),
        ("LG7_F64", n::LG7_F64),
        ("LG8_F64", n::LG8_F64),
        ("LG9_F64", n::LG9_F64),
        ("LG10_F64", n::LG10_F64),
    ];
    v.extend(f64s.iter().map(|(k, x)| (k.to_string(), F64(*x))));
    // gamma (contract v3).
    v.extend([
        (
            "ONE_THIRD_F32".into(),
            F32(crate::dist::gamma::ONE_THIRD_F32),
        ),
        (
            "ONE_THIRD_F64".into(),
            F64(crate::dist::gamma::ONE_THIRD_F64),
        ),
        ("SQUEEZE_F32".into(), F32(crate::dist::gamma::SQUEEZE_F32)),
        ("SQUEEZE_F64".into(), F64(crate::dist::gamma::SQUEEZE_F64)),
        ("F32_MIN_POSITIVE".into(), F32(f32::MIN_POSITIVE)),
        ("F64_MIN_POSITIVE".into(), F64(f64::MIN_POSITIVE)),
    ]);
    // exact_math: exp, sinpi, cospi (contract v2).
    let f32s: &[(&str, f32)] = &[
        ("INV_LN2_F32", e::INV_LN2_F32),
        ("EXP_LN2_HI_F32", e::EXP_LN2_HI_F32),
        ("EXP_LN2_LO_F32", e::EXP_LN2_LO_F32),
        ("ROUND_MAGIC_F32", e::ROUND_MAGIC_F32),
        ("EXP_MIN_F32", e::EXP_MIN_F32),
        ("EXP_MAX_F32", e::EXP_MAX_F32),
        ("EXP_P2_F32", e::EXP_P2_F32),
        ("EXP_P3_F32", e::EXP_P3_F32),
        ("EXP_P4_F32", e::EXP_P4_F32),
        ("EXP_P5_F32", e::EXP_P5_F32),
        ("EXP_P6_F32", e::EXP_P6_F32),
        ("EXP_P7_F32", e::EXP_P7_F32),
        ("SINPI_S0_F32", e::SINPI_S0_F32),
        ("SINPI_S1_F32", e::SINPI_S1_F32),
        ("SINPI_S2_F32", e::SINPI_S2_F32),
        ("SINPI_S3_F32", e::SINPI_S3_F32),
        ("SINPI_S4_F32", e::SINPI_S4_F32),
        ("COSPI_C1_F32", e::COSPI_C1_F32),
        ("COSPI_C2_F32", e::COSPI_C2_F32),
        ("COSPI_C3_F32", e::COSPI_C3_F32),
        ("COSPI_C4_F32", e::COSPI_C4_F32),
        ("COSPI_C5_F32", e::COSPI_C5_F32),
    ];
    v.extend(f32s.iter().map(|(k, x)| (k.to_string(), F32(*x))));
    let f64s: &[(&str, f64)] = &[
        ("INV_LN2_F64", e::INV_LN2_F64),
        ("ROUND_MAGIC_F64", e::ROUND_MAGIC_F64),
        ("EXP_MIN_F64", e::EXP_MIN_F64),
        ("EXP_MAX_F64", e::EXP_MAX_F64),
        ("EXP_P2_F64", e::EXP_P2_F64),
        ("EXP_P3_F64", e::EXP_P3_F64),
        ("EXP_P4_F64", e::EXP_P4_F64),
        ("EXP_P5_F64", e::EXP_P5_F64),
        ("EXP_P6_F64", e::EXP_P6_F64),
        ("EXP_P7_F64", e::EXP_P7_F64),
        ("EXP_P8_F64", e::EXP_P8_F64),
        ("EXP_P9_F64", e::EXP_P9_F64),
        ("EXP_P10_F64", e::EXP_P10_F64),
        ("EXP_P11_F64", e::EXP_P11_F64),
        ("EXP_P12_F64", e::EXP_P12_F64),
        ("EXP_P13_F64", e::EXP_P13_F64),
        ("SINPI_S0_F64", e::SINPI_S0_F64),
        ("SINPI_S1_F64", e::SINPI_S1_F64),
        ("SINPI_S2_F64", e::SINPI_S2_F64),
        ("SINPI_S3_F64", e::SINPI_S3_F64),
        ("SINPI_S4_F64", e::SINPI_S4_F64),
        ("SINPI_S5_F64", e::SINPI_S5_F64),
        ("SINPI_S6_F64", e::SINPI_S6_F64),
        ("SINPI_S7_F64", e::SINPI_S7_F64),
        ("SINPI_S8_F64", e::SINPI_S8_F64),
        ("COSPI_C1_F64", e::COSPI_C1_F64),
        ("COSPI_C2_F64", e::COSPI_C2_F64),
        ("COSPI_C3_F64", e::COSPI_C3_F64),
        ("COSPI_C4_F64", e::COSPI_C4_F64),
        ("COSPI_C5_F64", e::COSPI_C5_F64),
        ("COSPI_C6_F64", e::COSPI_C6_F64),
        ("COSPI_C7_F64", e::COSPI_C7_F64),
        ("COSPI_C8_F64", e::COSPI_C8_F64),
    ];
    v.extend(f64s.iter().map(|(k, x)| (k.to_string(), F64(*x))));
    // The discrete samplers (contract v3).
    let f64s: &[(&str, f64)] = &[
        ("TWO_POW_52", d::TWO_POW_52),
        ("HALF_LN_2PI", d::HALF_LN_2PI),
        ("SPLITTER", d::SPLITTER),
        ("POISSON_INVERSION_BELOW", d::POISSON_INVERSION_BELOW),
        ("BINOMIAL_INVERSION_BELOW", d::BINOMIAL_INVERSION_BELOW),
        ("STIRLING_S0", d::STIRLING_S0),
        ("STIRLING_S1", d::STIRLING_S1),
        ("STIRLING_S2", d::STIRLING_S2),
        ("STIRLING_S3", d::STIRLING_S3),
        ("STIRLING_S4", d::STIRLING_S4),
        ("PTRS_B0", d::PTRS_B0),
        ("PTRS_B1", d::PTRS_B1),
        ("PTRS_A0", d::PTRS_A0),
        ("PTRS_A1", d::PTRS_A1),
        ("PTRS_IA0", d::PTRS_IA0),
        ("PTRS_IA1", d::PTRS_IA1),
        ("PTRS_IA2", d::PTRS_IA2),
        ("PTRS_VR0", d::PTRS_VR0),
        ("PTRS_VR1", d::PTRS_VR1),
        ("PTRS_C", d::PTRS_C),
        ("PTRS_US_MIN", d::PTRS_US_MIN),
        ("BTRS_B0", d::BTRS_B0),
        ("BTRS_B1", d::BTRS_B1),
        ("BTRS_A0", d::BTRS_A0),
        ("BTRS_A1", d::BTRS_A1),
        ("BTRS_A2", d::BTRS_A2),
        ("BTRS_AL0", d::BTRS_AL0),
        ("BTRS_AL1", d::BTRS_AL1),
        ("BTRS_VR0", d::BTRS_VR0),
        ("BTRS_VR1", d::BTRS_VR1),
        ("SQUEEZE_US", d::SQUEEZE_US),
    ];
    v.extend(f64s.iter().map(|(k, x)| (k.to_string(), F64(*x))));
    // stirlerr(1..=31) (entry 0 is a placeholder the samplers never read).
    for (i, x) in d::STIRLERR_TABLE.iter().enumerate().skip(1) {
        v.push((format!("STIRLERR_{i}"), F64(*x)));
    }
    v.push(("INVERSION_MAX_K".into(), U64(d::INVERSION_MAX_K)));
    v
}

/// The text of `kernels/cbrng/constants.cuh`, generated from the Rust constants.
pub fn constants_header() -> String {
    let mut s = String::from(
        "// GENERATED by cbrng::cuda::source::constants_header() from the Rust definitions\n\
         // (src/generator, src/dist). Do not edit: change the Rust constant, then run\n\
         // `CBRNG_BLESS=1 cargo test --test kernel_sources`.\n\
         #ifndef CBRNG_CONSTANTS_CUH\n#define CBRNG_CONSTANTS_CUH\n\n",
    );
    for (name, value) in constants() {
        s.push_str(&format!("#define CBRNG_{name} {}\n", literal(value)));
    }
    s.push_str("\n#endif // CBRNG_CONSTANTS_CUH\n");
    s
}

/// The constants of the compat kernels' JAX `normal` (XLA:GPU's `erf_inv`
/// and the libdevice functions it calls), from their one home in
/// [`crate::compat::jax`] and [`crate::compat::libdevice`]: scalars, and
/// tables as brace initializers for a local array.
fn compat_constants() -> Vec<(String, Vec<Value>)> {
    use crate::compat::{jax as j, libdevice as l};
    use Value::*;
    let f32s = |t: &[f32]| t.iter().map(|&x| F32(x)).collect::<Vec<_>>();
    let f32_bits = |t: &[u32]| {
        t.iter()
            .map(|&b| F32(f32::from_bits(b)))
            .collect::<Vec<_>>()
    };
    let f64_bits = |t: &[u64]| {
        t.iter()
            .map(|&b| F64(f64::from_bits(b)))
            .collect::<Vec<_>>()
    };
    let mut v: Vec<(String, Vec<Value>)> = vec![
        ("JAX_NORMAL_LO_F32".into(), vec![F32(j::NORMAL_LO_F32)]),
        ("JAX_NORMAL_LO_F64".into(), vec![F64(j::NORMAL_LO_F64)]),
        ("JAX_SQRT2_F32".into(), vec![F32(std::f32::consts::SQRT_2)]),
        ("JAX_SQRT2_F64".into(), vec![F64(std::f64::consts::SQRT_2)]),
        ("JAX_ERF_INV_F32_SMALL".into(), f32s(&j::ERF_INV_F32_SMALL)),
        ("JAX_ERF_INV_F32_LARGE".into(), f32s(&j::ERF_INV_F32_LARGE)),
    ];
    // The f64 polynomial per branch (w < 6.25, w < 16, beyond), highest
    // degree first: 23, 19 and 17 coefficients.
    for col in 0..3 {
        let mut c: Vec<u64> = j::ERF_INV_F64.iter().map(|row| row[col]).collect();
        if col < 2 {
            c.push(j::ERF_INV_F64_ROW18[col]);
        } else {
            c.pop(); // row 17 ends the third branch at 17 (its 0 is no coefficient)
        }
        if col == 0 {
            c.extend(j::ERF_INV_F64_TAIL);
        }
        v.push((format!("JAX_ERF_INV_F64_W{col}"), f64_bits(&c)));
    }
    v.extend([
        ("LIBDEVICE_LOG1PF_P".into(), f32_bits(&l::LOG1PF_P)),
        (
            "LIBDEVICE_LOG1PF_LN2".into(),
            vec![F32(f32::from_bits(l::LOG1PF_LN2))],
        ),
        ("LIBDEVICE_LOG1P_SMALL".into(), f64_bits(&l::LOG1P_SMALL)),
        ("LIBDEVICE_LOG_SERIES".into(), f64_bits(&l::LOG_SERIES)),
        (
            "LIBDEVICE_LOG_LN2_HI".into(),
            vec![F64(f64::from_bits(l::LOG_LN2_HI))],
        ),
        (
            "LIBDEVICE_LOG_LN2_LO".into(),
            vec![F64(f64::from_bits(l::LOG_LN2_LO))],
        ),
        (
            "LIBDEVICE_LOG1P_SMALL_HI_BELOW".into(),
            vec![U32(l::LOG1P_SMALL_HI_BELOW)],
        ),
        (
            "LIBDEVICE_LOG1P_SMALL_HI_ABOVE".into(),
            vec![U32(l::LOG1P_SMALL_HI_ABOVE)],
        ),
    ]);
    v
}

/// The text of `kernels/compat/constants.cuh`, generated from the Rust
/// constants (checked like [`constants_header`]).
pub fn compat_constants_header() -> String {
    let mut s = String::from(
        "// GENERATED by cbrng::cuda::source::compat_constants_header() from the Rust\n\
         // definitions (src/compat/jax.rs, src/compat/libdevice.rs). Do not edit: change\n\
         // the Rust constant, then run `CBRNG_BLESS=1 cargo test --test kernel_sources`.\n\
         #ifndef CBRNG_COMPAT_CONSTANTS_CUH\n#define CBRNG_COMPAT_CONSTANTS_CUH\n\n",
    );
    for (name, values) in compat_constants() {
        let lits: Vec<String> = values.iter().map(|&v| literal(v)).collect();
        if lits.len() == 1 {
            s.push_str(&format!("#define CBRNG_{name} {}\n", lits[0]));
        } else {
            s.push_str(&format!("#define CBRNG_{name}_LEN {}\n", lits.len()));
            s.push_str(&format!("#define CBRNG_{name} {{ \\\n"));
            for l in &lits {
                s.push_str(&format!("    {l}, \\\n"));
            }
            s.push_str("}\n");
        }
    }
    s.push_str("\n#endif // CBRNG_COMPAT_CONSTANTS_CUH\n");
    s
}

fn literal(value: Value) -> String {
    match value {
        Value::U32(x) => format!("0x{x:08x}u"),
        Value::U64(x) => format!("0x{x:016x}ull"),
        Value::F32(x) => hex_f32(x),
        Value::F64(x) => hex_f64(x),
    }
}

/// The device headers, in include order, with their file names under `kernels/`.
pub const HEADERS: &[(&str, &str)] = &[
    (
        "cbrng/config.cuh",
        include_str!("../../kernels/cbrng/config.cuh"),
    ),
    (
        "cbrng/constants.cuh",
        include_str!("../../kernels/cbrng/constants.cuh"),
    ),
    (
        "cbrng/philox.cuh",
        include_str!("../../kernels/cbrng/philox.cuh"),
    ),
    (
        "cbrng/threefry.cuh",
        include_str!("../../kernels/cbrng/threefry.cuh"),
    ),
    (
        "cbrng/stream.cuh",
        include_str!("../../kernels/cbrng/stream.cuh"),
    ),
    (
        "cbrng/exact_math.cuh",
        include_str!("../../kernels/cbrng/exact_math.cuh"),
    ),
    (
        "cbrng/dist.cuh",
        include_str!("../../kernels/cbrng/dist.cuh"),
    ),
    (
        "cbrng/continuous.cuh",
        include_str!("../../kernels/cbrng/continuous.cuh"),
    ),
    (
        "cbrng/attempts.cuh",
        include_str!("../../kernels/cbrng/attempts.cuh"),
    ),
    (
        "cbrng/discrete.cuh",
        include_str!("../../kernels/cbrng/discrete.cuh"),
    ),
    (
        "cbrng/categorical.cuh",
        include_str!("../../kernels/cbrng/categorical.cuh"),
    ),
    (
        "cbrng/truncnorm.cuh",
        include_str!("../../kernels/cbrng/truncnorm.cuh"),
    ),
    (
        "cbrng/gamma.cuh",
        include_str!("../../kernels/cbrng/gamma.cuh"),
    ),
    ("cbrng.cuh", include_str!("../../kernels/cbrng.cuh")),
    (
        "cbrng/fill.cuh",
        include_str!("../../kernels/cbrng/fill.cuh"),
    ),
    (
        "cbrng/dropout.cuh",
        include_str!("../../kernels/cbrng/dropout.cuh"),
    ),
    (
        "cbrng/shuffle.cuh",
        include_str!("../../kernels/cbrng/shuffle.cuh"),
    ),
];

/// The fill kernels (`kernels/fill.cu`).
pub const FILL_KERNELS: &str = include_str!("../../kernels/fill.cu");

/// The dropout kernels (`kernels/dropout.cu`).
pub const DROPOUT_KERNELS: &str = include_str!("../../kernels/dropout.cu");

/// The permutation's kernels (`kernels/shuffle.cu`; their device functions
/// are `kernels/cbrng/shuffle.cuh`, one of [`HEADERS`]).
pub const SHUFFLE_KERNELS: &str = include_str!("../../kernels/shuffle.cu");

/// The exact-sum device twin (`kernels/cbrng/reduce.cuh`) and its limb form
/// (`kernels/cbrng/limbs.cuh`) followed by the kernels (`kernels/reduce.cu`):
/// one body for [`amalgamate`], compiled and launched by
/// [`super::Gpu::sum_state`] and friends.
pub fn reduce_kernels() -> String {
    let header = include_str!("../../kernels/cbrng/reduce.cuh");
    let limbs = include_str!("../../kernels/cbrng/limbs.cuh");
    let kernels = include_str!("../../kernels/reduce.cu");
    format!("{header}\n{limbs}\n{kernels}")
}

/// The read-bandwidth reference kernel of `cbrng bench` (`kernels/bench.cu`,
/// `cbrng_bench_read`): a body for [`amalgamate`].
pub const BENCH_KERNELS: &str = include_str!("../../kernels/bench.cu");

/// One self-contained translation unit for NVRTC: the device headers with
/// their `#include "..."` lines resolved, followed by `body` (e.g.
/// [`FILL_KERNELS`] or a user's kernel that calls the cbrng device functions).
pub fn amalgamate(body: &str) -> String {
    let mut out = String::new();
    for (name, text) in HEADERS {
        out.push_str(&format!("// ---- kernels/{name}\n"));
        for line in text.lines() {
            if !line.trim_start().starts_with("#include \"") {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out.push_str("// ---- body\n");
    for line in body.lines() {
        if !line.trim_start().starts_with("#include \"") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_literals_are_exact() {
        assert_eq!(hex_f32(1.0), "0x1.000000p+0f");
        assert_eq!(hex_f32(0.425), "0x1.b33334p-2f");
        assert_eq!(hex_f32(-1.5), "-0x1.800000p+0f");
        assert_eq!(hex_f64(0.1), "0x1.999999999999ap-4");
        assert_eq!(hex_f64(2.0f64.powi(-54)), "0x1.0000000000000p-54");
    }
}

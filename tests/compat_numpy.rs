//! cbrng::compat::numpy against real NumPy 2.2.6.
//!
//! `tests/data/compat/numpy/numpy_2.2.6.txt` was written by
//! `tests/data/compat/numpy/gen_numpy_vectors.py` running NumPy 2.2.6 (see the
//! script for the format): every case is a fresh
//! `Generator(Philox(SEED))` and a sequence of calls on it.

use cbrng::compat::numpy::{Generator, IntDType, SeedSequence};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/compat/numpy/numpy_2.2.6.txt"
);

/// The elements one call produced: (width in bytes, bits).
fn replay(g: &mut Generator, call: &str) -> Vec<(usize, u64)> {
    let f: Vec<&str> = call.split(':').collect();
    let n = |s: &str| s.parse::<usize>().expect("count");
    match f[0] {
        "key" => g.bit_generator().key().iter().map(|&k| (8, k)).collect(),
        "raw" => {
            let mut v = vec![0u64; n(f[1])];
            g.bit_generator_mut().fill_u64(&mut v);
            v.into_iter().map(|x| (8, x)).collect()
        }
        "random" | "normal" => {
            let count = n(f[2]);
            match (f[0], f[1]) {
                ("random", "f64") | ("normal", "f64") => {
                    let mut v = vec![0f64; count];
                    if f[0] == "random" {
                        g.random_f64(&mut v)
                    } else {
                        g.standard_normal_f64(&mut v)
                    }
                    v.into_iter().map(|x| (8, x.to_bits())).collect()
                }
                _ => {
                    let mut v = vec![0f32; count];
                    if f[0] == "random" {
                        g.random_f32(&mut v)
                    } else {
                        g.standard_normal_f32(&mut v)
                    }
                    v.into_iter().map(|x| (4, u64::from(x.to_bits()))).collect()
                }
            }
        }
        "int" => {
            let dt = IntDType::parse(f[1]).expect("dtype");
            let mut v = vec![0u64; n(f[5])];
            g.integers(
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4] == "1",
                dt,
                &mut v,
            )
            .expect("NumPy accepted these bounds");
            let w = (dt.bits() / 8) as usize;
            v.into_iter().map(|x| (w, x)).collect()
        }
        other => panic!("unknown call {other}"),
    }
}

fn fnv1a64(elems: &[(usize, u64)]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &(w, x) in elems {
        for b in &x.to_le_bytes()[..w] {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
    }
    h
}

fn hex(&(w, x): &(usize, u64)) -> String {
    format!("{x:0width$x}", width = 2 * w)
}

#[test]
fn generator_matches_numpy_2_2_6() {
    let text = std::fs::read_to_string(DATA).expect("data file is in the repository");
    let mut cases = 0;
    let mut calls_seen = std::collections::BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "{DATA}:{}: three tab-separated fields", i + 1);
        let (seed, calls, want) = (f[0], f[1], f[2]);
        if calls == "error" {
            let e = Generator::from_seed(seed).expect_err("NumPy rejects this seed");
            assert!(e.to_string().contains("negative"), "{e}");
            cases += 1;
            continue;
        }
        let mut g = Generator::from_seed(seed).unwrap();
        let mut got = Vec::new();
        for call in calls.split(';') {
            calls_seen.insert(call.split(':').take(2).collect::<Vec<_>>().join(":"));
            got.extend(replay(&mut g, call));
        }
        if let Some(rest) = want.strip_prefix("fnv:") {
            let p: Vec<&str> = rest.split(' ').collect();
            assert_eq!(p[1], format!("first:{}", hex(&got[0])), "line {}", i + 1);
            assert_eq!(
                p[2],
                format!("last:{}", hex(got.last().unwrap())),
                "line {}",
                i + 1
            );
            assert_eq!(
                p[0],
                format!("{:016x}", fnv1a64(&got)),
                "line {}: {calls}",
                i + 1
            );
        } else {
            let got: Vec<String> = got.iter().map(hex).collect();
            assert_eq!(got.join(" "), want, "line {}: seed {seed} {calls}", i + 1);
        }
        cases += 1;
    }
    assert!(cases >= 150, "only {cases} cases");
    for c in [
        "key",
        "raw:",
        "random:f64",
        "random:f32",
        "normal:f64",
        "normal:f32",
        "int:u8",
        "int:u16",
        "int:u32",
        "int:u64",
        "int:i8",
        "int:i16",
        "int:i32",
        "int:i64",
        "int:bool",
    ] {
        assert!(
            calls_seen.iter().any(|s| s.starts_with(c)),
            "no case for {c}"
        );
    }
}

#[test]
fn seed_sequence_of_huge_and_equal_seeds() {
    // A seed's words are its value: 0x1_0000_0000 is two words, not one.
    assert_ne!(SeedSequence::from_u128(1 << 32), SeedSequence::from_u128(0));
    assert_eq!(
        SeedSequence::from_int("18446744073709551616").unwrap(),
        SeedSequence::from_u128(1 << 64)
    );
    assert_eq!(
        SeedSequence::from_int("0x10000000000000000").unwrap(),
        SeedSequence::from_u128(1 << 64)
    );
}

#[test]
fn integers_reject_bounds_numpy_rejects() {
    let mut g = Generator::from_seed("1").unwrap();
    let mut v = [0u64; 4];
    for (lo, hi, e, dt) in [
        (0, 0, false, IntDType::U8),
        (5, 4, true, IntDType::I32),
        (-1, 5, false, IntDType::U64),
        (0, 257, false, IntDType::U8),
        (0, 256, true, IntDType::U8),
        (-129, 0, false, IntDType::I8),
        (0, 3, false, IntDType::Bool),
        (0, 1i128 << 64, true, IntDType::U64),
    ] {
        let before = g.clone();
        let e = g.integers(lo, hi, e, dt, &mut v).unwrap_err().to_string();
        assert!(e.starts_with("numpy: integers:"), "{e}");
        assert!(!e.contains('\n'));
        assert_eq!(g, before, "a rejected call draws nothing");
    }
}

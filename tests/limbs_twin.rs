//! The exact all-reduce's limb kernels (kernels/cbrng/limbs.cuh, launched by
//! `cbrng_reduce_to_limbs` / `cbrng_reduce_from_limbs`), built for the host
//! with g++ (tests/host_twin/limbs_twin.cpp replays the kernels' loops with
//! guard words after every buffer), equal the Rust definition
//! (`Accumulator::to_limbs`, `Accumulator::from_limb_sum`): the same limbs
//! from unnormalised device states, the same states (or the same refusal)
//! from limb sums. The kernels themselves need a GPU.
#![cfg(feature = "cuda")]
mod common;
#[path = "common/host_cxx.rs"]
mod host_cxx;
use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS, DIGITS, LIMBS, LIMBS_TAG};
use common::SplitMix;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

static TWIN: OnceLock<Result<std::path::PathBuf, String>> = OnceLock::new();

/// A random exact state: finite terms over the whole range, sometimes
/// NaN/inf/-0.0 only.
fn state(rng: &mut SplitMix) -> Accumulator {
    let mut a = Accumulator::new();
    let n = rng.next() % 40;
    for _ in 0..n {
        let r = rng.next();
        let x = match r % 7 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => -0.0,
            _ => f64::from_bits(rng.next() & !(0x7ffu64 << 52) | ((rng.next() % 0x7ff) << 52)),
        };
        if r % 7 > 2 || rng.next().is_multiple_of(8) {
            a.add(x);
        }
    }
    a
}

/// The device words of a state, with carries left unmoved as the reduce
/// kernels leave them: digit k += r * 2^32, digit k+1 -= r keeps the value.
fn device_words(a: &Accumulator, rng: &mut SplitMix) -> Vec<u64> {
    let limbs = a.to_limbs();
    let mut w: Vec<i64> = limbs[..DIGITS].to_vec();
    for _ in 0..20 {
        let k = (rng.next() % (DIGITS as u64 - 1)) as usize;
        let r = (rng.next() % (1 << 28)) as i64 - (1 << 27);
        w[k] += r << 32;
        w[k + 1] -= r;
    }
    let mut words: Vec<u64> = w.iter().map(|&d| d as u64).collect();
    words.push(a.count());
    let mut flags = 0u64;
    for f in 0..4 {
        flags |= (limbs[DIGITS + 2 + f] as u64) << f;
    }
    words.push(flags);
    assert_eq!(Accumulator::from_device_state(&words).unwrap(), *a);
    words
}

struct Twin {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Twin {
    fn ask(&mut self, line: String) -> Vec<String> {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(line.as_bytes()).unwrap();
        stdin.write_all(b"\n").unwrap();
        stdin.flush().unwrap();
        let mut answer = String::new();
        self.out.read_line(&mut answer).unwrap();
        assert!(answer.ends_with('\n'), "the twin stopped (see its stderr)");
        answer.split_whitespace().map(String::from).collect()
    }
}

fn twin_or_skip(test: &str) -> Option<Twin> {
    let exe = host_cxx::or_skip(&TWIN, "limbs_twin.cpp", test)?;
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    Some(Twin { child, out })
}

#[test]
fn device_limbs_equal_the_rust_limbs() {
    let Some(mut twin) = twin_or_skip("device_limbs_equal_the_rust_limbs") else {
        return;
    };
    let mut rng = SplitMix(5);
    for rows in [1usize, 2, 3, 64, 65, 130] {
        let states: Vec<Accumulator> = (0..rows).map(|_| state(&mut rng)).collect();
        let words: Vec<u64> = states
            .iter()
            .flat_map(|s| device_words(s, &mut rng))
            .collect();
        assert_eq!(words.len(), rows * DEVICE_STATE_WORDS);
        let line = format!(
            "S {rows} {}",
            words
                .iter()
                .map(|w| format!("{w:x}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let got: Vec<i64> = twin.ask(line).iter().map(|t| t.parse().unwrap()).collect();
        assert_eq!(got, Accumulator::rows_to_limbs(&states), "{rows} rows");
    }
}

#[test]
fn device_states_of_limb_sums_equal_the_rust_merge_or_its_refusal() {
    let Some(mut twin) =
        twin_or_skip("device_states_of_limb_sums_equal_the_rust_merge_or_its_refusal")
    else {
        return;
    };
    let mut rng = SplitMix(11);
    let mut sums: Vec<Vec<i64>> = Vec::new();
    for _ in 0..150 {
        let ranks = 1 + rng.next() % 9;
        let mut sum = vec![0i64; LIMBS];
        for _ in 0..ranks {
            for (s, l) in sum.iter_mut().zip(state(&mut rng).to_limbs()) {
                *s += l;
            }
        }
        sums.push(sum);
    }
    // Refused sums: each check, at its edges.
    let base = sums[0].clone();
    let states = base[LIMBS - 2];
    let mut corrupt = |at: usize, v: i64| {
        let mut s = base.clone();
        s[at] = v;
        sums.push(s);
    };
    corrupt(LIMBS - 2, 0);
    corrupt(LIMBS - 2, (1 << 30) + 1);
    corrupt(LIMBS - 1, states * LIMBS_TAG + 1);
    corrupt(7, states * 0xffff_ffff + 1);
    corrupt(7, -1);
    corrupt(DIGITS - 1, -states - 1);
    corrupt(DIGITS - 1, 1);
    corrupt(DIGITS, -1);
    corrupt(DIGITS + 1, states * (1 << 31) + 1);
    corrupt(DIGITS + 3, states + 1);
    // A count of exactly 2^63 (allowed by the ranges), and one past it.
    let mut big = vec![0i64; LIMBS];
    big[DIGITS + 1] = 1 << 31;
    big[DIGITS + 3] = 1;
    big[DIGITS + 5] = 1;
    big[LIMBS - 2] = 1;
    big[LIMBS - 1] = LIMBS_TAG;
    sums.push(big.clone());
    let mut over = big.clone();
    over[DIGITS] = 1;
    over[DIGITS + 1] += 0; // same state count: the count limbs are in range
    sums.push(over);
    // A limb sum in range whose value breaks the invariants (host check).
    let mut inv = vec![0i64; LIMBS];
    inv[100] = 5;
    inv[LIMBS - 2] = 1;
    inv[LIMBS - 1] = LIMBS_TAG;
    sums.push(inv);

    let flat: Vec<i64> = sums.concat();
    let line = format!(
        "L {} {}",
        sums.len(),
        flat.iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let answer = twin.ask(line);
    let (verdicts, words) = answer.split_at(sums.len());
    let words: Vec<u64> = words
        .iter()
        .map(|w| u64::from_str_radix(w, 16).unwrap())
        .collect();
    let mut refused = 0;
    for (i, sum) in sums.iter().enumerate() {
        let rust = Accumulator::from_limb_sum(sum);
        let device = Accumulator::from_device_state(
            &words[i * DEVICE_STATE_WORDS..(i + 1) * DEVICE_STATE_WORDS],
        );
        match (&rust, &device) {
            (Ok(r), Ok(d)) => assert_eq!(r, d, "sum {i}"),
            (Err(_), Err(_)) => {}
            _ => panic!("sum {i}: Rust says {rust:?}, the device state reads as {device:?}"),
        }
        if verdicts[i] != "0" {
            refused += 1;
            let e = device.unwrap_err().to_string();
            assert!(e.contains("GPU refused"), "sum {i}: {e}");
        }
    }
    assert_eq!(
        refused, 11,
        "every corrupted sum and the count past 2^63 are refused on the device"
    );
}

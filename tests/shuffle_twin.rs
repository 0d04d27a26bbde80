//! The permutation's device functions against the CPU, without a GPU:
//! kernels/cbrng/shuffle.cuh compiled for the host by g++
//! (tests/host_twin/shuffle_twin.cpp, the flags of tests/common/host_cxx.rs)
//! gives `Permutation::index` and `inverse` bit for bit over many (key,
//! stream, n, position): every n up to 600, n = 2^k - 1, 2^k, 2^k + 1 for
//! every k up to 63, n = 2^64 - 1 and random n, slices at the start, the end
//! and random places; and its gathers (elements of 1, 2, 4, 8 and 16 bytes,
//! guard bytes around every buffer) equal `src[index(first + t)]`.
//!
//! Without g++ the test prints why it skipped; with `CBRNG_REQUIRE_GXX=1`
//! (set by .ci/run) it fails instead.
#![cfg(feature = "cuda")]
use cbrng::shuffle::Permutation;
use std::io::{Read, Write};
use std::process::{Command, Stdio};

#[path = "common/host_cxx.rs"]
mod host_cxx;

/// Byte `b` of source element `j` (the twin's `src_byte`).
fn src_byte(j: u64, b: u64) -> u8 {
    (j.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        .wrapping_add(b.wrapping_mul(0xbf58_476d_1ce4_e5b9))
        >> 56) as u8
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 ^ (self.0 >> 29)
    }
}

struct Case {
    p: Permutation,
    first: u64,
    count: u64,
    size: u64,
}

fn cases() -> Vec<Case> {
    let mut rng = Lcg(2026);
    let mut sizes: Vec<u64> = (1..=600).collect();
    for k in 1..64u32 {
        sizes.extend([(1u64 << k) - 1, 1 << k, (1 << k) + 1]);
    }
    sizes.push(u64::MAX);
    for _ in 0..200 {
        let bits = rng.next() % 64 + 1;
        sizes.push((rng.next() >> (64 - bits)).max(1));
    }
    let mut v = Vec::new();
    for (c, &n) in sizes.iter().enumerate() {
        let p = Permutation::from_seed(rng.next(), rng.next() % 5, n).unwrap();
        let count = n.min(300 + rng.next() % 200);
        for first in [0, n - count, rng.next() % (n - count + 1)] {
            // Gathers where the source fits (the twin builds it), each size in turn.
            let size = if n <= 1 << 16 {
                [1, 2, 4, 8, 16][(c + first as usize) % 5]
            } else {
                0
            };
            v.push(Case {
                p,
                first,
                count,
                size,
            });
        }
    }
    v
}

#[test]
fn device_permutation_matches_the_cpu() {
    static TWIN: std::sync::OnceLock<Result<std::path::PathBuf, String>> =
        std::sync::OnceLock::new();
    let Some(twin) = host_cxx::or_skip(
        &TWIN,
        "shuffle_twin.cpp",
        "device_permutation_matches_the_cpu",
    ) else {
        return;
    };
    let cases = cases();
    let input: String = cases
        .iter()
        .map(|c| {
            let w = c.p.round_key_words();
            format!(
                "{} {} {} {} {} {} {} {} {} {}\n",
                c.p.len(),
                w[0],
                w[1],
                w[2],
                w[3],
                w[4],
                w[5],
                c.first,
                c.count,
                c.size
            )
        })
        .collect();
    let mut child = Command::new(&twin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run the host twin");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut stdout = child.stdout.take().unwrap();
    let read_u64s = |stdout: &mut std::process::ChildStdout, k: u64| -> Vec<u64> {
        let mut b = vec![0u8; 8 * k as usize];
        stdout.read_exact(&mut b).expect("twin output ended early");
        b.chunks(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let (mut values, mut gathered) = (0u64, 0u64);
    let mut sizes_seen = [false; 17];
    for c in &cases {
        let what = format!(
            "n {} keys {:x?} first {} count {}",
            c.p.len(),
            c.p.round_keys(),
            c.first,
            c.count
        );
        let idx = read_u64s(&mut stdout, c.count);
        let inv = read_u64s(&mut stdout, c.count);
        let mut want = vec![0u64; c.count as usize];
        c.p.indices(c.first, &mut want).unwrap();
        assert_eq!(idx, want, "index: {what}");
        for (t, &i) in inv.iter().enumerate() {
            let j = c.first + t as u64;
            assert_eq!(i, c.p.inverse(j).unwrap(), "inverse({j}): {what}");
        }
        values += 2 * c.count;
        if c.size > 0 {
            let mut got = vec![0u8; (c.count * c.size) as usize];
            stdout
                .read_exact(&mut got)
                .expect("twin output ended early");
            for (t, e) in got.chunks(c.size as usize).enumerate() {
                let j = want[t];
                let expect: Vec<u8> = (0..c.size).map(|b| src_byte(j, b)).collect();
                assert_eq!(e, &expect[..], "gather of {} bytes at {t}: {what}", c.size);
            }
            gathered += c.count;
            sizes_seen[c.size as usize] = true;
        }
    }
    writer.join().unwrap().expect("feed the twin");
    assert!(child.wait().unwrap().success(), "the twin failed");
    assert!([1, 2, 4, 8, 16].iter().all(|&s| sizes_seen[s]));
    eprintln!(
        "{} cases: {values} index and inverse values, {gathered} gathered elements",
        cases.len()
    );
    assert!(values > 1_000_000 && gathered > 100_000);
}

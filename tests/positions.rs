//! Element positions past 2^64 (issue 18, defect 1): a 4x32 or 4x64 stream
//! holds 2^66 u32 elements, so every place that adds an offset to a count
//! must do it in u128. Each fill here crosses 2^64 or 2^65, and is compared
//! element by element with elements made alone (the block function at the
//! contract's counter: `check::reference_u32`, which shares no fill code).
#![cfg(feature = "cli")]
use cbrng::check::reference_u32;
use cbrng::dist::{DType, Distribution};
use cbrng::rng::{Philox4x32Rng, Threefry4x64Rng};
use cbrng::{Algorithm, Stream};
use rand_core::Rng;
use std::process::Command;

const TWO64: u128 = 1 << 64;

/// The `cbrng fill` step (elements per chunk), as in src/bin/cbrng/fill.rs.
const STEP: u128 = 1 << 20;

fn alone(s: &Stream, i: u128) -> u32 {
    reference_u32(s, i)
}

/// `cbrng fill --format raw` of u32 bits from `offset`, `count` elements.
fn cli_u32(algo: &str, offset: u128, count: u64) -> Vec<u32> {
    let o = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(["fill", "--algo", algo, "--seed", "1", "--stream", "3"])
        .args([
            "--offset",
            &offset.to_string(),
            "--count",
            &count.to_string(),
        ])
        .args(["--device", "cpu", "--format", "raw"])
        .output()
        .expect("the binary runs");
    assert!(
        o.status.success(),
        "{algo} at {offset}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.stdout.len() as u64, 4 * count);
    o.stdout
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Positions worth checking in a CLI fill of `count` elements from
/// `offset`: both sides of every chunk boundary, of `mark` (2^64 or 2^65),
/// the ends, and a spread in between.
fn probes(offset: u128, count: u128, mark: u128) -> Vec<u128> {
    let mut p = vec![0, 1, count - 1];
    let mut b = 0;
    while b < count {
        p.extend([b.saturating_sub(1), b, b + 1]);
        b += STEP;
    }
    for d in 0..4 {
        if let Some(i) = (mark - offset + d).checked_sub(2) {
            p.push(i);
        }
    }
    p.extend((0..count).step_by(9973));
    p.retain(|&i| i < count);
    p.sort_unstable();
    p.dedup();
    p
}

#[test]
fn cli_fill_crosses_2_pow_64_and_2_pow_65_chunk_by_chunk() {
    // The reproducer: 2,000,000 elements from 2^64 - 616 (its
    // element 1,048,576 is the first of the second chunk, past 2^64).
    let cases = [
        ("philox4x32-10", TWO64 - 616, 2_000_000u64, TWO64),
        // Chunk boundaries on both sides of 2^64 and 2^65, off-block.
        (
            "philox4x32-10",
            2 * TWO64 - STEP - 5,
            2 * STEP as u64 + 11,
            2 * TWO64,
        ),
        (
            "threefry4x64-20",
            TWO64 - STEP + 3,
            2 * STEP as u64 + 1,
            TWO64,
        ),
        ("threefry4x64-20", 2 * TWO64 - 7, STEP as u64 + 9, 2 * TWO64),
        (
            "threefry4x32-20",
            2 * TWO64 - STEP,
            STEP as u64 + 1,
            2 * TWO64,
        ),
        ("philox4x64-10", TWO64 - 1, STEP as u64 + 2, TWO64),
    ];
    for (name, offset, count, mark) in cases {
        let algo: Algorithm = name.parse().unwrap();
        let s = Stream::from_seed(algo, 1, 3).unwrap();
        let got = cli_u32(name, offset, count);
        for i in probes(offset, count.into(), mark) {
            assert_eq!(
                got[i as usize],
                alone(&s, offset + i),
                "{name}: element {} (output {i})",
                offset + i
            );
        }
        // The whole output equals the library's one-call fill at the same position.
        let mut want = vec![0u32; count as usize];
        s.fill_u32(offset, &mut want).unwrap();
        assert!(
            got == want,
            "{name}: the CLI fill differs from the library's"
        );
    }
}

#[test]
fn cli_fill_up_to_the_very_end_of_a_2_pow_66_stream() {
    let len = 4 * TWO64; // u32 elements of philox4x32
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 3).unwrap();
    let got = cli_u32("philox4x32-10", len - 5, 5);
    for (k, g) in got.iter().enumerate() {
        assert_eq!(*g, alone(&s, len - 5 + k as u128));
    }
    // One more is past the end: an error, not a wrapped element.
    let o = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args([
            "fill",
            "--algo",
            "philox4x32-10",
            "--seed",
            "1",
            "--stream",
            "3",
        ])
        .args(["--offset", &(len - 5).to_string(), "--count", "6"])
        .args(["--device", "cpu", "--format", "raw"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("past the end"));
    assert!(o.stdout.is_empty());
}

#[test]
fn library_fills_cross_2_pow_64_in_every_dtype() {
    // Distributions whose elements take 1 or 2 u32 words: their positions
    // past 2^64 map to the right words.
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 5, 0).unwrap();
    for (dist, dtype) in [
        (Distribution::Bits, DType::U32),
        (Distribution::Bits, DType::U64),
        (Distribution::Bits, DType::U8),
        (Distribution::Uniform, DType::F32),
        (Distribution::Uniform, DType::F64),
        (Distribution::Uniform, DType::F16),
        (Distribution::STANDARD_NORMAL, DType::F32),
    ] {
        let p = dist.prepare(dtype).unwrap();
        for mark in [TWO64, 2 * TWO64] {
            if mark + 8 > s.len_of(&p) {
                continue;
            }
            let whole = s.fill_bytes(&p, mark - 37, 80).unwrap();
            for k in 0..80u128 {
                let one = s.fill_bytes(&p, mark - 37 + k, 1).unwrap();
                let w = dtype.size();
                assert_eq!(
                    &whole[k as usize * w..(k as usize + 1) * w],
                    &one[..],
                    "{dist} {dtype} element {}",
                    mark - 37 + k
                );
            }
        }
    }
    // u32 bits against the block function, across 2^64 and 2^65.
    for mark in [TWO64, 2 * TWO64, 4 * TWO64 - 64] {
        let mut v = [0u32; 64];
        s.fill_u32(mark - 32, &mut v).unwrap();
        for (k, x) in v.iter().enumerate() {
            assert_eq!(*x, alone(&s, mark - 32 + k as u128));
        }
    }
}

#[test]
fn rng_adapters_seek_and_read_across_2_pow_64() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0).unwrap();
    let mut r = Philox4x32Rng::new(42, 0, 10).unwrap();
    for mark in [TWO64, 2 * TWO64, 3 * TWO64] {
        r.seek(mark - 300).unwrap();
        let mut bytes = vec![0u8; 4 * 600];
        r.fill_bytes(&mut bytes);
        for (k, c) in bytes.chunks_exact(4).enumerate() {
            let want = alone(&s, mark - 300 + k as u128);
            assert_eq!(u32::from_le_bytes(c.try_into().unwrap()), want);
        }
        assert_eq!(r.position(), mark + 300);
    }
    let s = Stream::from_seed("threefry4x64-20".parse().unwrap(), 7, 0).unwrap();
    let mut r = Threefry4x64Rng::new(7, 0, 20).unwrap();
    r.seek(TWO64 - 1).unwrap();
    let (a, b, c) = (r.next_u32(), r.next_u32(), r.next_u32());
    assert_eq!(
        [a, b, c],
        [alone(&s, TWO64 - 1), alone(&s, TWO64), alone(&s, TWO64 + 1)]
    );
}

#[test]
fn dropout_masks_cross_2_pow_64() {
    use cbrng::dropout::Dropout;
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 3, 1).unwrap();
    let d = Dropout::new(s, 0.25).unwrap();
    let offset = u64::MAX - 100; // dropout offsets are u64; the range may pass 2^64
    let mut mask = vec![0u8; 300];
    d.mask_bytes(offset, &mut mask).unwrap();
    for (k, m) in mask.iter().enumerate() {
        let u = alone(&s, u128::from(offset) + k as u128);
        assert_eq!(*m, u8::from(u64::from(u) >= d.threshold()), "element {k}");
    }
}

#[test]
fn cli_device_choice_past_the_device_index_limit() {
    // Device kernels index elements by u64: --device cuda refuses a range
    // past the limit before anything else (GPU or not), --device auto
    // computes it on the CPU and says so.
    let args = [
        "fill",
        "--algo",
        "philox4x32-10",
        "--seed",
        "1",
        "--offset",
        "18446744073709551000",
    ];
    let o = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(args)
        .args(["--count", "1000", "--device", "cuda", "--format", "raw"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--device cuda fills elements below") && o.stdout.is_empty(),
        "{err}"
    );
    // Said on stderr when there is a CUDA driver, and always under --verbose;
    // quiet on a machine without one (issue 15).
    let quiet = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(args)
        .args(["--count", "1000", "--device", "auto", "--format", "raw"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&quiet.stderr);
    assert!(quiet.status.success(), "{err}");
    if cbrng::cuda::driver_present() {
        assert!(err.contains("device: cpu (elements from"), "{err}");
    } else {
        assert_eq!(err, "");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_cbrng"))
        .args(args)
        .args([
            "--count", "1000", "--device", "auto", "--format", "raw", "-v",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("device: cpu (elements from"), "{err}");
    assert_eq!(o.stdout, quiet.stdout);
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 1, 0).unwrap();
    let first = u32::from_le_bytes(o.stdout[..4].try_into().unwrap());
    assert_eq!(first, alone(&s, 18446744073709551000));
    let last = u32::from_le_bytes(o.stdout[3996..].try_into().unwrap());
    assert_eq!(last, alone(&s, 18446744073709551999));
}

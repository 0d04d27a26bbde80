//! The exact-sum kernels' arithmetic (kernels/cbrng/reduce.cuh), built for
//! the host with g++ and driven by tests/device/reduce_host.cpp, which
//! replays kernels/reduce.cu's grid, warps and lanes in plain C++ (the warp
//! intrinsics become loops over 32 lanes), gives exactly the Rust
//! accumulator's state: for every format, several grid and block sizes and
//! input alignments, on data that takes the fast path, moves the window up
//! and down, and feeds the slow path (subnormals, huge cancellations, NaN,
//! inf, -0.0). Skipped (with a message) where no g++ is installed. The
//! kernels themselves need a GPU (tests/gpu_reduce.rs).
#![cfg(feature = "cuda")]
mod common;
use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS, Float};
use common::SplitMix;
use half::{bf16, f16};
use std::io::Write;
use std::process::{Command, Stdio};

/// Builds the host driver as `cbrng-reduce-host-<tag>-<pid>` (one per test:
/// tests run in parallel).
fn build(tag: &str) -> Option<std::path::PathBuf> {
    let root = env!("CARGO_MANIFEST_DIR");
    let exe = std::env::temp_dir().join(format!("cbrng-reduce-host-{tag}-{}", std::process::id()));
    let status = Command::new("g++")
        .args([
            "-std=c++17",
            "-O1",
            "-Wall",
            "-Werror",
            "-ffp-contract=off",
            "-I",
        ])
        .arg(format!("{root}/kernels"))
        .arg(format!("{root}/tests/device/reduce_host.cpp"))
        .arg("-o")
        .arg(&exe)
        .status();
    match status {
        Ok(s) if s.success() => Some(exe),
        Ok(s) => panic!("g++ failed to build the device accumulator for the host: {s}"),
        Err(e) => {
            let why = format!("no g++ to build kernels/cbrng/reduce.cuh for the host ({e})");
            assert!(
                std::env::var("CBRNG_REQUIRE_GXX").as_deref() != Ok("1"),
                "CBRNG_REQUIRE_GXX=1 but {why}"
            );
            // Straight to stderr: the test harness captures eprintln!.
            let _ = std::io::Write::write_fmt(
                &mut std::io::stderr(),
                format_args!("SKIPPED reduce_device: {why}\n"),
            );
            None
        }
    }
}

/// Launch shapes replayed: (blocks, threads per block, misalignment in elements).
const SHAPES: [(u32, u32, u32); 5] = [(1, 32, 0), (2, 64, 1), (3, 96, 3), (1, 1024, 2), (7, 32, 5)];

fn device_state<T: Float>(exe: &std::path::Path, xs: &[T], shape: (u32, u32, u32)) -> Accumulator {
    let (blocks, threads, misalign) = shape;
    let misalign = misalign % (16 / (T::BITS / 8));
    let mut child = Command::new(exe)
        .args([
            T::NAME.to_string(),
            blocks.to_string(),
            threads.to_string(),
            misalign.to_string(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = xs
        .iter()
        .map(|x| format!("{:x}\n", x.to_bits_u64()))
        .collect();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "reduce_host: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let words: Vec<u64> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| u64::from_str_radix(l, 16).unwrap())
        .collect();
    assert_eq!(words.len(), DEVICE_STATE_WORDS);
    Accumulator::from_device_state(&words).unwrap()
}

fn check<T: Float>(exe: &std::path::Path, xs: &[T], what: &str) {
    let mut cpu = Accumulator::new();
    cpu.add_slice(xs);
    for shape in SHAPES {
        let dev = device_state(exe, xs, shape);
        assert_eq!(dev, cpu, "{what}: shape {shape:?}");
        assert_eq!(
            dev.finish::<T>().to_bits_u64(),
            cpu.finish::<T>().to_bits_u64(),
            "{what}"
        );
        assert_eq!(dev.finish::<f64>().to_bits(), cpu.finish::<f64>().to_bits());
    }
}

/// Values of format `T` with random significands and biased exponents drawn
/// by `exp(i)` (clamped to the finite range), random signs.
fn with_exponents<T: Float>(r: &mut SplitMix, n: usize, exp: impl Fn(usize, u64) -> u64) -> Vec<T> {
    let max = (1u64 << T::EXP_BITS) - 2;
    (0..n)
        .map(|i| {
            let x = r.next();
            let e = exp(i, x).min(max);
            let frac = x & ((1 << T::FRAC_BITS) - 1);
            let sign = (x >> 63) << (T::BITS - 1);
            T::from_bits_u64(sign | (e << T::FRAC_BITS) | frac)
        })
        .collect()
}

/// Data that exercises the window: a narrow band (fast path), magnitudes
/// rising and falling through the range (the window moves up and down),
/// alternating blocks of huge and tiny values, a band with rare outliers,
/// zeros with -0.0, and every exponent.
fn window_cases<T: Float>(exe: &std::path::Path, seed: u64) {
    let mut r = SplitMix(seed);
    let bias = (1u64 << (T::EXP_BITS - 1)) - 1;
    let top = (1u64 << T::EXP_BITS) - 2;
    let n = 20_011;
    let band: Vec<T> = with_exponents(&mut r, n, |_, x| bias - 8 + (x >> 40) % 10);
    check(exe, &band, &format!("{} narrow band", T::NAME));
    let rising: Vec<T> = with_exponents(&mut r, n, |i, _| 1 + (i as u64 * top) / n as u64);
    check(exe, &rising, &format!("{} rising", T::NAME));
    let falling: Vec<T> = rising.iter().rev().copied().collect();
    check(exe, &falling, &format!("{} falling", T::NAME));
    let blocks: Vec<T> = with_exponents(&mut r, n, |i, x| {
        if (i / 700) % 2 == 0 {
            top - (x >> 40) % 4
        } else {
            1 + (x >> 40) % 4
        }
    });
    check(exe, &blocks, &format!("{} huge and tiny blocks", T::NAME));
    let outliers: Vec<T> = with_exponents(&mut r, n, |i, x| {
        if i % 997 == 0 {
            (x >> 32) % (top + 1)
        } else {
            bias + (x >> 40) % 3
        }
    });
    check(exe, &outliers, &format!("{} band with outliers", T::NAME));
    let mut zeros: Vec<T> = with_exponents(&mut r, n, |_, x| bias + (x >> 40) % 3);
    for (i, z) in zeros.iter_mut().enumerate() {
        if i % 3 != 0 {
            *z = T::from_bits_u64(if i % 2 == 0 { 0 } else { 1 << (T::BITS - 1) });
        }
    }
    check(exe, &zeros, &format!("{} mostly zeros", T::NAME));
    let all: Vec<T> = with_exponents(&mut r, n, |_, x| (x >> 32) % (top + 1));
    check(exe, &all, &format!("{} every exponent", T::NAME));
    let subnormal: Vec<T> = with_exponents(&mut r, 3001, |_, _| 0);
    check(exe, &subnormal, &format!("{} subnormals", T::NAME));
    let neg_zeros = vec![T::from_bits_u64(1 << (T::BITS - 1)); 1000];
    check(exe, &neg_zeros, &format!("{} only -0.0", T::NAME));
    for len in [0, 1, 2, 31, 33, 255, 257, 1023, 1025, 4097] {
        let xs: Vec<T> = with_exponents(&mut r, len, |_, x| bias - 3 + (x >> 40) % 7);
        check(exe, &xs, &format!("{} length {len}", T::NAME));
    }
}

#[test]
fn device_accumulator_matches_the_rust_one() {
    let Some(exe) = build("match") else { return };
    let mut r = SplitMix(11);
    let finite = |b: u64, exp_bits: u32, frac_bits: u32| {
        (b >> frac_bits) & ((1 << exp_bits) - 1) != (1 << exp_bits) - 1
    };
    let f32s: Vec<f32> = (0..3000)
        .map(|_| r.next() as u32)
        .filter(|&b| finite(b.into(), 8, 23))
        .map(f32::from_bits)
        .collect();
    check(&exe, &f32s, "random bits f32");
    let f64s: Vec<f64> = (0..3000)
        .map(|_| r.next())
        .filter(|&b| finite(b, 11, 52))
        .map(f64::from_bits)
        .collect();
    check(&exe, &f64s, "random bits f64");
    let f16s: Vec<f16> = (0..3000).map(|_| f16::from_bits(r.next() as u16)).collect();
    check(&exe, &f16s, "random bits f16 (with NaN and inf)");
    let bf16s: Vec<bf16> = (0..3000)
        .map(|_| r.next() as u16)
        .filter(|&b| finite(b.into(), 8, 7))
        .map(bf16::from_bits)
        .collect();
    check(&exe, &bf16s, "random bits bf16");
    check(&exe, &[1e30f32, 1.0, -1e30], "cancellation");
    check(&exe, &[f64::MAX, f64::MAX, 5e-324], "overflow");
    check(&exe, &[-0.0f32, -0.0], "negative zeros");
    check(&exe, &[-0.0f32, 0.0], "mixed zeros");
    check(&exe, &[f32::INFINITY, 1.0], "inf");
    check(&exe, &[f32::INFINITY, f32::NEG_INFINITY], "inf - inf");
    check(&exe, &[f64::NAN, 1.0], "NaN");
    check::<f32>(&exe, &[], "empty");
    let _ = std::fs::remove_file(exe);
}

#[test]
fn the_window_moves_and_every_term_counts_once() {
    let Some(exe) = build("window") else { return };
    window_cases::<f32>(&exe, 1);
    window_cases::<f64>(&exe, 2);
    window_cases::<f16>(&exe, 3);
    window_cases::<bf16>(&exe, 4);
    let _ = std::fs::remove_file(exe);
}

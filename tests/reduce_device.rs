//! The device accumulator's arithmetic (kernels/cbrng/reduce.cuh), built for
//! the host with g++ and run through a driver that emulates the warp layout
//! of kernels/reduce.cu, gives exactly the Rust accumulator's state. Skipped
//! (with a message) where no g++ is installed. The kernels themselves need a
//! GPU and are not run here.
mod common;
use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS, Float};
use common::SplitMix;
use half::{bf16, f16};
use std::io::Write;
use std::process::{Command, Stdio};

fn build() -> Option<std::path::PathBuf> {
    let root = env!("CARGO_MANIFEST_DIR");
    let exe = std::env::temp_dir().join(format!("cbrng-reduce-host-{}", std::process::id()));
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

fn device_state<T: Float>(exe: &std::path::Path, xs: &[T], shards: usize) -> Accumulator {
    let mut child = Command::new(exe)
        .args([T::NAME, &shards.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input: String = xs
        .iter()
        .map(|x| format!("{:x}\n", x.to_bits_u64()))
        .collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
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
    for shards in [1, 3, 7] {
        let dev = device_state(exe, xs, shards);
        assert_eq!(dev, cpu, "{what}: {} shards", shards);
        assert_eq!(
            dev.finish::<T>().to_bits_u64(),
            cpu.finish::<T>().to_bits_u64(),
            "{what}"
        );
        assert_eq!(dev.finish::<f64>().to_bits(), cpu.finish::<f64>().to_bits());
    }
}

#[test]
fn device_accumulator_matches_the_rust_one() {
    let Some(exe) = build() else { return };
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

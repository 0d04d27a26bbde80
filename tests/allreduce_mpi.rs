//! The MPI all-reduce example under `mpirun` with 1, 2, 3, 4 and 7 ranks and
//! even and skewed shards: rank 0 prints exactly what the single-process
//! `cbrng sum` prints, which is the big-rational reference.
//!
//! Build the example first (`cargo build --features mpi --examples`, same
//! profile). Needs `mpirun` (Debian: openmpi-bin); without it the test skips with a
//! notice, and fails under `CBRNG_REQUIRE_MPI=1` (as `.ci/run` sets).
#![cfg(all(feature = "mpi", feature = "cli"))]
#[path = "common/bigref.rs"]
mod bigref;
mod common;
use bigref::{exact_sum, reference};
use cbrng::reduce::Float;
use common::SplitMix;
use half::{bf16, f16};
use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    // target/<profile>/deps/<this test> -> target/<profile>/examples/allreduce_mpi
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/allreduce_mpi");
    assert!(
        path.exists(),
        "{} is missing: build it first with `cargo build --release --features mpi --examples`",
        path.display()
    );
    path
}

fn mpirun_or_skip() -> bool {
    let ok = Command::new("mpirun")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CBRNG_REQUIRE_MPI").is_none(),
            "CBRNG_REQUIRE_MPI is set but mpirun does not run"
        );
        eprintln!("notice: no mpirun on this machine; the MPI all-reduce test is skipped");
    }
    ok
}

fn write_npy(path: &Path, descr: &str, size: usize, bits: &[u64]) {
    let mut header = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': ({},), }}",
        bits.len()
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for b in bits {
        out.extend_from_slice(&b.to_le_bytes()[..size]);
    }
    std::fs::write(path, out).unwrap();
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// Every rank count and split when `full`; else 2 and 7 ranks, skewed (each
/// `mpirun` takes most of a second).
fn check<T: Float + std::fmt::Display>(name: &str, descr: &str, xs: &[T], bf16: bool, full: bool) {
    let dir = std::env::temp_dir().join(format!("cbrng-allreduce-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.npy"));
    let bits: Vec<u64> = xs.iter().map(|x| x.to_bits_u64()).collect();
    write_npy(&file, descr, T::BITS as usize / 8, &bits);
    let mut sum = Command::new(env!("CARGO_BIN_EXE_cbrng"));
    sum.args(["sum", "--device", "cpu"]).arg(&file);
    if bf16 {
        sum.arg("--bf16");
    }
    let single = run(&mut sum);
    // The reference, printed as `cbrng sum` prints it.
    let zero_neg = !xs.is_empty() && xs.iter().all(|x| x.to_bits_u64() == 1 << (T::BITS - 1));
    let magnitude = |x: &T| x.to_bits_u64() & !(1 << (T::BITS - 1));
    let specials = xs.iter().any(|x| magnitude(x) >= exp_mask::<T>());
    if !specials {
        let r: T = reference(&exact_sum(xs), 1, zero_neg);
        let want = format!("{r}\n{:0w$x}\n", r.to_bits_u64(), w = T::BITS as usize / 4);
        assert_eq!(
            single, want,
            "{name}: cbrng sum against the big-rational reference"
        );
    }
    let (ranks, splits): (&[u32], &[&str]) = if full {
        (&[1, 2, 3, 4, 7], &["even", "skewed"])
    } else {
        (&[2, 7], &["skewed"])
    };
    for &np in ranks {
        for &split in splits {
            let mut m = Command::new("mpirun");
            m.args([
                "--oversubscribe",
                "--allow-run-as-root",
                "-np",
                &np.to_string(),
            ])
            .arg(example())
            .arg(&file)
            .args(["--split", split])
            .env("OMPI_MCA_rmaps_base_oversubscribe", "1");
            if bf16 {
                m.arg("--bf16");
            }
            assert_eq!(run(&mut m), single, "{name}: {np} ranks, {split} split");
        }
    }
    std::fs::remove_file(&file).ok();
}

fn exp_mask<T: Float>() -> u64 {
    ((1u64 << T::EXP_BITS) - 1) << T::FRAC_BITS
}

fn mixed(rng: &mut SplitMix, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let r = rng.next();
            match i % 5 {
                0 => 1e300 * ((r >> 11) as f64 * 2f64.powi(-53)),
                1 => -1e300 * ((r >> 11) as f64 * 2f64.powi(-53)),
                2 => f64::from_bits(r >> 12), // subnormal
                3 => (r >> 11) as f64 * 2f64.powi(-60) - 1.0,
                _ => f64::from_bits(r & 0x3fef_ffff_ffff_ffff),
            }
        })
        .collect()
}

#[test]
fn mpi_allreduce_equals_the_single_process_sum() {
    if !mpirun_or_skip() {
        return;
    }
    let mut rng = SplitMix(7);
    let xs = mixed(&mut rng, 5003);
    assert!(
        xs.iter().all(|x| x.is_finite()),
        "the mixed data is finite: the reference applies"
    );
    check("f64_mixed", "<f8", &xs, false, true);
    // Cancellation: +-huge pairs around a small remainder.
    let mut c: Vec<f64> = (0..1000)
        .flat_map(|i| {
            [
                f64::MAX / (i + 1) as f64,
                1e-320,
                -f64::MAX / (i + 1) as f64,
            ]
        })
        .collect();
    c.push(3.0);
    check("f64_cancel", "<f8", &c, false, true);
    // Overflow edge: the exact sum passes f64::MAX.
    check(
        "f64_overflow",
        "<f8",
        &[f64::MAX, f64::MAX, -1.0, 5e-324],
        false,
        false,
    );
    check("f64_negzero", "<f8", &[-0.0; 9], false, false);
    check(
        "f64_nan",
        "<f8",
        &[1.0, f64::NAN, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        false,
        false,
    );
    check(
        "f64_infs",
        "<f8",
        &[
            f64::INFINITY,
            1.0,
            2.0,
            3.0,
            4.0,
            5.0,
            6.0,
            f64::NEG_INFINITY,
        ],
        false,
        false,
    );
    check(
        "f64_inf",
        "<f8",
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, f64::INFINITY],
        false,
        false,
    );
    let f: Vec<f32> = mixed(&mut rng, 3001)
        .iter()
        .map(|&x| (x * 1e-270) as f32)
        .collect();
    check("f32", "<f4", &f, false, true);
    let h: Vec<f16> = (0..2001)
        .map(|_| f16::from_bits((rng.next() as u16 & 0x7bff) ^ (0x8000 * (rng.next() as u16 & 1))))
        .collect();
    check("f16", "<f2", &h, false, true);
    let b: Vec<bf16> = (0..2001)
        .map(|_| bf16::from_bits((rng.next() as u16 & 0x7f7f) | (0x8000 * (rng.next() as u16 & 1))))
        .collect();
    check("bf16", "<u2", &b, true, false);
}

#[test]
fn mpi_row_wise_allreduce_equals_each_rows_sum_and_refuses_uneven_rows() {
    if !mpirun_or_skip() {
        return;
    }
    let (rows, len) = (6usize, 1001usize);
    let mut rng = SplitMix(23);
    let xs: Vec<f32> = mixed(&mut rng, rows * len)
        .iter()
        .map(|&x| (x * 1e-270) as f32)
        .collect();
    let dir = std::env::temp_dir().join(format!("cbrng-allreduce-rows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("rows.npy");
    let bits: Vec<u64> = xs.iter().map(|x| u64::from(x.to_bits())).collect();
    write_npy(&file, "<f4", 4, &bits);
    let want: String = xs
        .chunks(len)
        .map(|row| {
            let r: f32 = reference(&exact_sum(row), 1, false);
            assert_eq!(cbrng::reduce::sum(row).to_bits(), r.to_bits());
            format!("{:08x}\n", r.to_bits())
        })
        .collect();
    for (np, split) in [(1, "even"), (3, "skewed"), (4, "even")] {
        let mut m = Command::new("mpirun");
        m.args([
            "--oversubscribe",
            "--allow-run-as-root",
            "-np",
            &np.to_string(),
        ])
        .arg(example())
        .arg(&file)
        .args(["--split", split, "--rows", &rows.to_string()]);
        assert_eq!(run(&mut m), want, "{np} ranks, {split} split");
    }
    // Ranks that pass different row counts get an error, every one of them.
    let out = Command::new("mpirun")
        .args(["--oversubscribe", "--allow-run-as-root", "-np", "3"])
        .arg(example())
        .arg(&file)
        .args(["--rows", "2", "--rows-plus-rank"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("different numbers of rows"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

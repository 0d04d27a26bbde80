//! `cbrng verify`: the main job. Runs the self-check matrix of
//! `cbrng::check` on every generator, prints a table and `N passed, M failed`.

use cbrng::Error;
use cbrng::check::{self, Check, Matrix};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Longer matrix: windows of 70,000 elements, slices of 2^k ± 1 up to 2^16.
    #[arg(long)]
    long: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let m = if args.long {
        Matrix::LONG
    } else {
        Matrix::DEFAULT
    };
    let start = Instant::now();
    let algos = check::algorithms();
    // One thread per generator: the matrix is embarrassingly parallel.
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = algos
            .iter()
            .map(|&a| scope.spawn(move || check::run_algorithm(a, &m)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a check thread panicked"))
            .collect()
    });
    let width = 18;
    print!("{:<width$}", "generator");
    for c in Check::ALL {
        print!("{:>14}", c.name());
    }
    println!("{:>14}", "cpu-vs-gpu");
    let (mut passed, mut failed) = (0u64, 0u64);
    let mut messages = Vec::new();
    for (algo, tallies) in algos.iter().zip(&results) {
        print!("{:<width$}", algo.to_string());
        for (_, t) in tallies {
            let cell = if t.failed == 0 {
                format!("{} ok", t.passed)
            } else {
                format!("{} FAIL", t.failed)
            };
            print!("{cell:>14}");
            passed += t.passed;
            failed += t.failed;
            messages.extend(t.failures.iter().cloned());
        }
        println!("{:>14}", "skipped");
    }
    for msg in &messages {
        println!("FAIL {msg}");
    }
    let gpu_reason = match cbrng::cuda::probe() {
        Ok(gpus) => format!(
            "a GPU is present ({}), but this build has no GPU engine yet",
            gpus[0].name
        ),
        Err(e) => e.to_string(),
    };
    println!("GPU half skipped: {gpu_reason}.");
    println!("checked in {:.1} s", start.elapsed().as_secs_f64());
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

//! The `cbrng` program: `kat`, `fill`, `info`, `verify`, `sum`, `bench`, `compat`. One file per command.

mod bench;
mod compat;
mod fill;
mod info;
mod kat;
mod npy;
mod output;
mod sum;
mod verify;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Counter-based random numbers (Random123 family) with one exact stream
/// contract on CPU and GPU.
#[derive(Parser)]
#[command(name = "cbrng", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check Random123-format known-answer files.
    Kat(kat::Args),
    /// Write elements of a stream in a distribution and dtype.
    Fill(fill::Args),
    /// Print a JSON record of what makes a run reproducible.
    Info,
    /// Measure GPU fill throughput against memset and cuRAND.
    Bench(bench::Args),
    /// Check the engine on its default matrix (KAT, slices, reference, limits, GPU).
    Verify(verify::Args),
    /// Print the correctly rounded exact sum of a .npy file (decimal, then IEEE bits in hex).
    Sum(sum::Args),
    /// Replay another system's random numbers bit for bit (numpy).
    Compat(compat::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
                || e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            {
                e.exit();
            }
            // One line naming the problem, like every other error of this program.
            // clap's message runs until its "Usage:" paragraph; fold it into one line.
            let text = e.to_string();
            let message: Vec<&str> = text
                .lines()
                .take_while(|l| !l.starts_with("Usage:"))
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
                .collect();
            eprintln!(
                "cbrng: {} (see cbrng --help)",
                message.join(" ").trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    // A bad CBRNG_CPU_BACKEND is reported, not silently replaced.
    if let Err(e) = cbrng::CpuBackend::from_env() {
        eprintln!("cbrng: error: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Kat(a) => kat::run(a),
        Command::Fill(a) => fill::run(a),
        Command::Info => info::run(),
        Command::Verify(a) => verify::run(a),
        Command::Sum(a) => sum::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Compat(a) => compat::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cbrng: error: {e}");
            ExitCode::from(2)
        }
    }
}

//! The `cbrng` program: `kat`, `fill`, `info`, `verify`, `sum`, `bench`, `compat`, `permute`. One file per command.

mod bench;
mod compat;
mod fill;
mod info;
mod kat;
mod npy;
mod output;
mod permute;
mod report;
mod sum;
mod verify;

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

/// Counter-based random numbers (Random123 family) with one exact stream
/// contract on CPU and GPU.
#[derive(Parser)]
#[command(name = "cbrng", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Say more on stderr (e.g. why `--device auto` runs on the CPU).
    #[arg(long, short, global = true)]
    verbose: bool,
    /// No progress bar.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check Random123-format known-answer files.
    Kat(kat::Args),
    /// Write elements of a stream in a distribution and dtype.
    Fill(Box<fill::Args>),
    /// Print a JSON record of what makes a run reproducible.
    Info,
    /// Measure the CUDA engine (needs a GPU; CPU speed is `cargo bench`): fills against memset and cuRAND, dropout against a copy, exact sums against a plain read.
    Bench(bench::Args),
    /// Check the engine on its default matrix (KAT, slices, reference, limits, GPU).
    Verify(verify::Args),
    /// Print the correctly rounded exact sum of a .npy file (decimal, then IEEE bits in hex).
    Sum(sum::Args),
    /// Replay another system's random numbers bit for bit (numpy).
    Compat(compat::Args),
    /// Print a random-access permutation of 0..N: index(i) for each position i, one a line.
    Permute(permute::Args),
}

/// A message on one line: control characters (from file names, arguments)
/// escaped, so an error is always exactly one line.
pub fn one_line(message: &str) -> String {
    message
        .chars()
        .flat_map(|c| {
            let e: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            e
        })
        .collect()
}

/// One sentence naming the problem, like every other error of this program:
/// clap's message runs until its "Usage:" paragraph and ends with its own
/// hints ("tip:", "For more information"); keep the sentence, drop the hints
/// (the caller adds one).
fn clap_message(e: &clap::Error) -> String {
    let text = e.to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|l| !l.starts_with("Usage:"))
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with("tip:") && !l.starts_with("For more information")
        })
        .collect();
    let sentence = one_line(message.join(" ").trim_start_matches("error: "));
    sentence.trim_end_matches('.').to_string()
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
            let help = match std::env::args().nth(1) {
                Some(c) if Cli::command().find_subcommand(&c).is_some() => {
                    format!("cbrng {c} --help")
                }
                _ => "cbrng --help".into(),
            };
            eprintln!("cbrng: error: {}; see {help}.", clap_message(&e));
            return ExitCode::from(2);
        }
    };
    output::set_flags(cli.verbose, cli.quiet);
    // Ctrl-C, SIGTERM, SIGHUP: remove a half-written --out file, then stop.
    let _ = ctrlc::set_handler(|| {
        output::remove_temp_files();
        std::process::exit(130);
    });
    // A file-size limit (ulimit -f) is a write error to report, not a signal
    // that kills the program before it can remove its temporary file.
    // SAFETY: setting a signal's disposition to "ignore" has no preconditions.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // A bad CBRNG_CPU_BACKEND is reported, not silently replaced.
    if let Err(e) = cbrng::CpuBackend::from_env() {
        eprintln!("cbrng: error: {}", one_line(&e.to_string()));
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Kat(a) => kat::run(a),
        Command::Fill(a) => fill::run(*a),
        Command::Info => info::run(),
        Command::Verify(a) => verify::run(a),
        Command::Sum(a) => sum::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Compat(a) => compat::run(a),
        Command::Permute(a) => permute::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cbrng: error: {}", one_line(&e.to_string()));
            ExitCode::from(2)
        }
    }
}

/// The CLI argument parser as a fuzz target (issue 18): argument lists from
/// tests/fuzz/corpus/cli (one argument a line) and their mutants go through
/// clap and `fill`'s checks; every refusal is one printable line and every
/// accepted fill range lies inside its stream. See tests/fuzz/README.md.
#[cfg(test)]
#[path = "../../../tests/fuzz/driver.rs"]
mod fuzz_driver;

#[cfg(test)]
mod fuzz_cli {
    use super::fuzz_driver as driver;
    use super::{Cli, Command, clap_message, fill};
    use clap::Parser;

    fn target(input: &[u8]) -> String {
        let text = String::from_utf8_lossy(input);
        let args = std::iter::once("cbrng").chain(text.split('\n'));
        match Cli::try_parse_from(args) {
            Err(e) => {
                let msg = clap_message(&e);
                use clap::error::ErrorKind::*;
                if !matches!(
                    e.kind(),
                    DisplayHelp | DisplayVersion | DisplayHelpOnMissingArgumentOrSubcommand
                ) {
                    driver::no_control(&msg);
                }
                driver::label("clap", &format!("{:?}", e.kind()))
            }
            Ok(Cli {
                command: Command::Fill(a),
                ..
            }) => match fill::plan(&a) {
                Ok(p) => {
                    assert!(a.end() <= p.stream.len_of(&p.prepared));
                    format!("fill ok {}", p.prepared.dtype)
                }
                Err(e) => {
                    let msg = e.to_string();
                    driver::one_line(&msg.replace('\u{fffd}', "?"));
                    driver::label("fill", &msg)
                }
            },
            Ok(_) => "other command".into(),
        }
    }

    #[test]
    fn fuzz_cli_arguments() {
        let dict: &[&[u8]] = &[
            b"\n--algo\n",
            b"\n--count\n",
            b"\n--seed\n",
            b"\n--key\n",
            b"\n--offset\n",
            b"\n--dist\n",
            b"\n--mean\n",
            b"\n--std\n",
            b"\n--dtype\n",
            b"normal:",
            b"int:",
            b"..",
            b"0x",
            b"+",
            b"-",
            b"e38",
            b"18446744073709551616",
            b"philox4x32-",
            b"threefry4x64",
            b"f16",
            b"NaN",
            b",",
        ];
        let s = driver::fuzz("cli", dict, target);
        assert!(s.outcomes > 10, "the corpus reaches few outcomes");
    }
}

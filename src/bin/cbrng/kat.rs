//! `cbrng kat FILE...`

use crate::outln;
use crate::output::Output;
use cbrng::{Error, kat};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Random123-format known-answer files (`-`: standard input).
    #[arg(required = true)]
    files: Vec<String>,
}

fn read(path: &str) -> Result<String, Error> {
    let io = |e: std::io::Error| Error::Io {
        path: path.to_string(),
        reason: e.to_string(),
    };
    if path == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(io)
    } else {
        std::fs::read_to_string(path).map_err(io)
    }
}

/// Every file is read before anything is checked: a file that cannot be read
/// is `cbrng: error: ...` (exit 2), like every other command. A file that is
/// read but holds a bad line, or no vector for a known generator, is a
/// failure (`FAIL ...`, exit 1), and so is a vector that does not match.
pub fn run(args: Args) -> Result<ExitCode, Error> {
    let texts = args
        .files
        .iter()
        .map(|p| read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut o = Output::stdout();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (path, text) in args.files.iter().zip(&texts) {
        match kat::check_text(text, path) {
            Ok(r) => {
                for f in &r.failures {
                    outln!(o, "FAIL {}", crate::one_line(f));
                }
                passed += r.passed;
                failed += r.failures.len();
                skipped += r.skipped;
            }
            Err(e) => {
                outln!(o, "FAIL {}", crate::one_line(&e.to_string()));
                failed += 1;
            }
        }
    }
    outln!(
        o,
        "{passed} passed, {failed} failed, {skipped} skipped (other generators)"
    );
    o.finish()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

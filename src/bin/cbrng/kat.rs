//! `cbrng kat FILE...`

use cbrng::{Error, kat};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Random123-format known-answer files.
    #[arg(required = true)]
    files: Vec<String>,
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for path in &args.files {
        let report = std::fs::read_to_string(path)
            .map_err(|e| Error::Io {
                path: path.clone(),
                reason: e.to_string(),
            })
            .and_then(|text| kat::check_text(&text, path));
        match report {
            Ok(r) => {
                for f in &r.failures {
                    println!("FAIL {}", crate::one_line(f));
                }
                passed += r.passed;
                failed += r.failures.len();
                skipped += r.skipped;
            }
            Err(e) => {
                println!("FAIL {}", crate::one_line(&e.to_string()));
                failed += 1;
            }
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped (other generators)");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

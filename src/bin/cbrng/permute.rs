//! `cbrng permute`

use crate::output::{self, Format, Output, Progress};
use cbrng::dist::DType;
use cbrng::shuffle::Permutation;
use cbrng::{Error, grammar};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Size of the permutation: positions 0..N (U64).
    #[arg(long, allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    n: u64,
    /// U64 seed; the permutation's key is philox4x32-10's key of it.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    seed: u64,
    /// Stream id (U64), e.g. the epoch: another id, an unrelated order.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    stream: u64,
    /// First position printed (U64).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    offset: u64,
    /// Number of positions printed (U64; default: the rest, N - offset).
    #[arg(long, allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    count: Option<u64>,
    /// Output format: text (decimal), hex (16 digits), raw (u64
    /// little-endian), npy (a u64 array).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Output file, written whole or not at all (a temporary file beside it
    /// is renamed into place); `-` or none: standard output.
    #[arg(long)]
    out: Option<String>,
}

/// Positions computed and written per step, so any N runs in bounded memory.
const STEP: usize = 1 << 20;

/// The permutation and the number of positions to print, all checked
/// before anything is written.
fn plan(args: &Args) -> Result<(Permutation, u64), Error> {
    let p = Permutation::from_seed(args.seed, args.stream, args.n)?;
    let count = match args.count {
        Some(c) => c,
        None => args.n.saturating_sub(args.offset),
    };
    if u128::from(args.offset) + u128::from(count) > u128::from(args.n) {
        return Err(Error::BadParameter {
            reason: format!(
                "--offset {} --count {count} passes the permutation's size --n {}",
                args.offset, args.n
            ),
        });
    }
    Ok((p, count))
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let (p, count) = plan(&args)?;
    let mut out = Output::open(args.out.as_deref())?;
    if args.format == Format::Npy {
        out.bytes(&output::npy_header(DType::U64, &[count]))?;
    }
    let mut progress = Progress::new(count, "positions");
    let mut buf = vec![0u64; STEP.min(usize::try_from(count).unwrap_or(STEP))];
    let mut done = 0u64;
    while done < count {
        let k = (count - done).min(STEP as u64) as usize;
        p.indices(args.offset + done, &mut buf[..k])?;
        let w = &mut out;
        let r = output::write_chunk(w.writer(), args.format, &buf[..k]);
        r.map_err(|e| w.err(e))?;
        done += k as u64;
        progress.inc(k as u64);
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

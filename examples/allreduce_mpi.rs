//! Exact sum of a .npy file across MPI ranks: each rank reads one contiguous
//! shard, the exact states are all-reduced as integer limbs, and rank 0
//! prints what `cbrng sum FILE.npy` prints (the sum, then its bits in hex).
//!
//! ```text
//! cargo build --release --features mpi --example allreduce_mpi
//! mpirun -np 4 target/release/examples/allreduce_mpi data.npy [--split even|skewed] [--bf16]
//! ```
//!
//! `--split skewed` gives rank r a share proportional to r² (rank 0 none):
//! the printed bits do not change.
//!
//! `--rows R` reads the data as R rows of equal length (row-major), gives
//! each rank a shard of every row, all-reduces the R states in one call
//! (`allreduce_exact_rows`) and prints one line per row: the sum's bits in
//! hex. (`--rows-plus-rank` adds the rank to R, which a row-wise all-reduce
//! must refuse on every rank: a check of that refusal.)

use cbrng::Error;
use cbrng::npy::{NpyType, read_header};
use cbrng::reduce::{Accumulator, Float, mpi::allreduce_exact, mpi::allreduce_exact_rows};
use half::{bf16, f16};
use mpi::traits::Communicator;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(universe) = mpi::initialize() else {
        eprintln!("allreduce_mpi: error: MPI could not be initialised");
        return ExitCode::from(2);
    };
    let world = universe.world();
    match run(&world) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("allreduce_mpi: error (rank {}): {e}", world.rank());
            ExitCode::from(2)
        }
    }
}

struct Args {
    file: String,
    skewed: bool,
    bf16: bool,
    rows: Option<u64>,
    rows_plus_rank: bool,
}

fn parse_args() -> Result<Args, String> {
    let (mut file, mut skewed, mut bf16, mut rows, mut rows_plus_rank) =
        (None, false, false, None, false);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bf16" => bf16 = true,
            "--rows-plus-rank" => rows_plus_rank = true,
            "--rows" => match it.next().and_then(|r| r.parse::<u64>().ok()) {
                Some(r) if r > 0 => rows = Some(r),
                _ => return Err("--rows takes a positive integer".into()),
            },
            "--split" => match it.next().as_deref() {
                Some("even") => skewed = false,
                Some("skewed") => skewed = true,
                other => return Err(format!("--split takes even or skewed, not {other:?}")),
            },
            _ if file.is_none() && !a.starts_with("--") => file = Some(a),
            _ => return Err(format!("unexpected argument {a:?}")),
        }
    }
    let file =
        file.ok_or("usage: allreduce_mpi FILE.npy [--split even|skewed] [--bf16] [--rows R]")?;
    Ok(Args {
        file,
        skewed,
        bf16,
        rows,
        rows_plus_rank,
    })
}

/// Rank `r` of `p`'s shard `[start, end)` of `n` elements.
fn shard(n: u64, r: u64, p: u64, skewed: bool) -> (u64, u64) {
    // Cumulative weight of ranks below k: k for even splits, 0² + ... + (k-1)² for skewed.
    let w = |k: u64| -> u128 {
        let k = u128::from(k);
        if skewed {
            k.saturating_sub(1) * k * (2 * k).saturating_sub(1) / 6
        } else {
            k
        }
    };
    if w(p) == 0 {
        return (0, n); // one rank: it holds everything
    }
    let at = |k: u64| (u128::from(n) * w(k) / w(p)) as u64;
    (at(r), at(r + 1))
}

fn run<C: Communicator>(world: &C) -> Result<(), Error> {
    let args = parse_args().map_err(|reason| Error::BadParameter { reason })?;
    let io = |reason: String| Error::Io {
        path: args.file.clone(),
        reason,
    };
    let mut f = BufReader::new(File::open(&args.file).map_err(|e| io(e.to_string()))?);
    let h = read_header(&mut f).map_err(io)?;
    if h.big_endian {
        return Err(io("big-endian data is not supported".into()));
    }
    let (rank, size) = (world.rank() as u64, world.size() as u64);
    let dtype = h
        .dtype
        .ok_or_else(|| io(format!("dtype {} is not supported", h.descr)))?;
    let rows = args.rows.unwrap_or(1);
    if h.count % rows != 0 {
        return Err(io(format!(
            "{} elements do not make {rows} equal rows",
            h.count
        )));
    }
    let len = h.count / rows;
    // This rank's shard of every row: [start, end) of each.
    let (start, end) = shard(len, rank, size, args.skewed);
    let mut shards = Vec::with_capacity(rows as usize);
    for r in 0..rows {
        let at = (r * len + start)
            .checked_mul(dtype.size() as u64)
            .and_then(|b| b.checked_add(h.data_offset))
            .ok_or_else(|| io("the file is too large".into()))?;
        f.seek(SeekFrom::Start(at)).map_err(|e| io(e.to_string()))?;
        let mut data = vec![0u8; ((end - start) as usize) * dtype.size()];
        f.read_exact(&mut data)
            .map_err(|e| io(format!("reading the shard: {e}")))?;
        shards.push(data);
    }
    let rows_given = if args.rows_plus_rank {
        rows + rank
    } else {
        rows
    };
    let mode = match args.rows {
        None => Mode::Single,
        Some(_) => Mode::Rows(rows_given as usize),
    };
    match (dtype, args.bf16) {
        (NpyType::F32, false) => reduce::<f32, C>(world, &shards, mode),
        (NpyType::F64, false) => reduce::<f64, C>(world, &shards, mode),
        (NpyType::F16, false) => reduce::<f16, C>(world, &shards, mode),
        (NpyType::U16, true) => reduce::<bf16, C>(world, &shards, mode),
        _ => Err(io(format!(
            "dtype {} with --bf16 {} is not supported",
            h.descr, args.bf16
        ))),
    }
}

#[derive(Clone, Copy)]
enum Mode {
    /// One sum of everything, printed as `cbrng sum` prints it.
    Single,
    /// Row-wise sums; the number of rows this rank passes (it may hold fewer shards).
    Rows(usize),
}

fn reduce<T: Float + std::fmt::Display, C: Communicator>(
    world: &C,
    shards: &[Vec<u8>],
    mode: Mode,
) -> Result<(), Error> {
    let size = T::BITS as usize / 8;
    let state = |data: &[u8]| {
        let values: Vec<T> = data
            .chunks_exact(size)
            .map(|c| {
                let mut w = [0u8; 8];
                w[..size].copy_from_slice(c);
                T::from_bits_u64(u64::from_le_bytes(w))
            })
            .collect();
        let mut a = Accumulator::new();
        a.add_slice(&values);
        a
    };
    match mode {
        Mode::Single => {
            let total = allreduce_exact(world, &state(&shards[0]))?;
            if world.rank() == 0 {
                let s: T = total.finish();
                println!("{s}");
                println!("{:0w$x}", s.to_bits_u64(), w = T::BITS as usize / 4);
            }
        }
        Mode::Rows(n) => {
            let mut local: Vec<Accumulator> = shards.iter().map(|d| state(d)).collect();
            local.resize(n, Accumulator::new());
            let totals = allreduce_exact_rows(world, &local)?;
            if world.rank() == 0 {
                for t in totals {
                    let s: T = t.finish();
                    println!("{:0w$x}", s.to_bits_u64(), w = T::BITS as usize / 4);
                }
            }
        }
    }
    Ok(())
}

//! `cbrng sum`: the correctly rounded exact sum of a .npy file.

use crate::fill::Device;
use crate::npy::{Npy, NpyType};
use cbrng::Error;
use cbrng::reduce::{Accumulator, Float};
use half::{bf16, f16};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DTypeOut {
    /// The input's type.
    Same,
    /// f64.
    F64,
}

#[derive(clap::Args)]
pub struct Args {
    /// A NumPy .npy file of f32 (<f4), f64 (<f8) or f16 (<f2); <u2 with --bf16.
    file: String,
    /// Where to compute.
    #[arg(long, value_enum, default_value_t = Device::Auto)]
    device: Device,
    /// The type the exact sum is rounded to.
    #[arg(long, value_enum, default_value_t = DTypeOut::Same)]
    dtype_out: DTypeOut,
    /// Read 2-byte unsigned (<u2) data as bf16 bits, as `cbrng fill --format npy` writes bf16.
    #[arg(long)]
    bf16: bool,
}

/// Bytes read per step: the file is summed in bounded memory.
const STEP: usize = 16 << 20;

pub fn run(args: Args) -> Result<ExitCode, Error> {
    match args.device {
        Device::Cuda => {
            return Err(Error::Gpu {
                reason: "--device cuda: this build has no GPU engine yet; use --device cpu".into(),
            });
        }
        Device::Auto => eprintln!("cbrng: device: cpu (this build has no GPU engine yet)"),
        Device::Cpu => {}
    }
    let mut npy = Npy::open(&args.file)?;
    match (npy.dtype, args.bf16) {
        (NpyType::F32, false) => sum_as::<f32>(&mut npy, args.dtype_out),
        (NpyType::F64, false) => sum_as::<f64>(&mut npy, args.dtype_out),
        (NpyType::F16, false) => sum_as::<f16>(&mut npy, args.dtype_out),
        (NpyType::U16, true) => sum_as::<bf16>(&mut npy, args.dtype_out),
        (NpyType::U16, false) => Err(Error::Io {
            path: args.file.clone(),
            reason: "dtype <u2 is integer data; pass --bf16 if it holds bf16 bits".into(),
        }),
        (_, true) => Err(Error::Io {
            path: args.file.clone(),
            reason: "--bf16 needs <u2 data".into(),
        }),
    }?;
    Ok(ExitCode::SUCCESS)
}

fn sum_as<T: Float + std::fmt::Display>(npy: &mut Npy, out: DTypeOut) -> Result<(), Error> {
    let size = npy.dtype.size();
    let mut bytes = vec![0u8; STEP.min(npy.count as usize * size).max(size)];
    let mut values: Vec<T> = Vec::with_capacity(bytes.len() / size);
    let mut acc = Accumulator::new();
    loop {
        let n = npy.read_chunk(&mut bytes)?;
        if n == 0 {
            break;
        }
        values.clear();
        values.extend(bytes[..n * size].chunks_exact(size).map(|c| {
            let mut w = [0u8; 8];
            w[..size].copy_from_slice(c);
            T::from_bits_u64(u64::from_le_bytes(w))
        }));
        acc.add_slice_threads(&values, 0);
    }
    match out {
        DTypeOut::Same => {
            let s: T = acc.finish();
            println!("{s}");
            println!("{:0w$x}", s.to_bits_u64(), w = T::BITS as usize / 4);
        }
        DTypeOut::F64 => {
            let s: f64 = acc.finish();
            println!("{s}");
            println!("{:016x}", s.to_bits());
        }
    }
    Ok(())
}

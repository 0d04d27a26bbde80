//! `cbrng sum`: the correctly rounded exact sum of a .npy file.

use crate::fill::Device;
use crate::npy::{Npy, NpyType};
use crate::outln;
use crate::output::{Output, Progress};
use cbrng::Error;
use cbrng::cuda::Gpu;
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
    /// `-` reads standard input; pipes and FIFOs work (read once, in chunks).
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

/// Bytes read per step: the file is summed in bounded memory (one host and,
/// on the GPU, one device buffer of this size).
const STEP: usize = 16 << 20;

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let gpu = args.device.select(|g| g.prepare_reduce())?;
    let mut npy = Npy::open(&args.file)?;
    let gpu = gpu.as_ref();
    match (npy.dtype, args.bf16) {
        (NpyType::F32, false) => sum_as::<f32>(&mut npy, args.dtype_out, gpu),
        (NpyType::F64, false) => sum_as::<f64>(&mut npy, args.dtype_out, gpu),
        (NpyType::F16, false) => sum_as::<f16>(&mut npy, args.dtype_out, gpu),
        (NpyType::U16, true) => sum_as::<bf16>(&mut npy, args.dtype_out, gpu),
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

fn sum_as<T: Float + std::fmt::Display>(
    npy: &mut Npy,
    out: DTypeOut,
    gpu: Option<&Gpu>,
) -> Result<(), Error> {
    let size = npy.dtype.size();
    let mut bytes = vec![0u8; STEP.min(npy.count as usize * size).max(size)];
    let mut progress = Progress::new(npy.count, "elements");
    let acc = match gpu {
        Some(g) => sum_on_gpu::<T>(g, npy, &mut bytes, &mut progress)?,
        None => sum_on_cpu::<T>(npy, &mut bytes, &mut progress)?,
    };
    drop(progress);
    let mut o = Output::stdout();
    match out {
        DTypeOut::Same => {
            let s: T = acc.finish();
            outln!(o, "{s}");
            outln!(o, "{:0w$x}", s.to_bits_u64(), w = T::BITS as usize / 4);
        }
        DTypeOut::F64 => {
            let s: f64 = acc.finish();
            outln!(o, "{s}");
            outln!(o, "{:016x}", s.to_bits());
        }
    }
    o.finish()
}

fn sum_on_cpu<T: Float>(
    npy: &mut Npy,
    bytes: &mut [u8],
    progress: &mut Progress,
) -> Result<Accumulator, Error> {
    let size = npy.dtype.size();
    let mut values: Vec<T> = Vec::with_capacity(bytes.len() / size);
    let mut acc = Accumulator::new();
    loop {
        let n = npy.read_chunk(bytes)?;
        if n == 0 {
            return Ok(acc);
        }
        values.clear();
        values.extend(bytes[..n * size].chunks_exact(size).map(|c| {
            let mut w = [0u8; 8];
            w[..size].copy_from_slice(c);
            T::from_bits_u64(u64::from_le_bytes(w))
        }));
        acc.add_slice_threads(&values, 0);
        progress.inc(n as u64);
    }
}

/// Each chunk is copied to one device buffer and summed there; the chunks'
/// exact states merge on the host (exact, so the chunking does not matter).
fn sum_on_gpu<T: Float>(
    gpu: &Gpu,
    npy: &mut Npy,
    bytes: &mut [u8],
    progress: &mut Progress,
) -> Result<Accumulator, Error> {
    let size = npy.dtype.size();
    let derr = |what: &str| {
        let what = what.to_string();
        move |e: cudarc::driver::DriverError| Error::Gpu {
            reason: format!("{what}: {e:?}"),
        }
    };
    let mut dev = gpu
        .stream()
        .alloc_zeros::<u8>(bytes.len())
        .map_err(derr("allocating the device buffer"))?;
    let mut acc = Accumulator::new();
    loop {
        let n = npy.read_chunk(bytes)?;
        if n == 0 {
            return Ok(acc);
        }
        let mut part = dev.slice_mut(..n * size);
        gpu.stream()
            .memcpy_htod(&bytes[..n * size], &mut part)
            .map_err(derr("copying to the device"))?;
        let chunk = dev.slice(..n * size);
        // SAFETY: the bytes are n little-endian encodings of T.
        let values = unsafe { chunk.transmute::<T>(n) }.ok_or_else(|| Error::Gpu {
            reason: "device buffer too small".into(),
        })?;
        acc.merge(&gpu.sum_state(&values)?)?;
        progress.inc(n as u64);
    }
}

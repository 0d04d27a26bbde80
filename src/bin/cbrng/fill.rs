//! `cbrng fill`

use crate::output::{self, Format, HexBits};
use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, Error, Key, Stream};
use half::{bf16, f16};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Device {
    Cpu,
    Cuda,
    Auto,
}

impl Device {
    /// The GPU to use, if any, with the kernels this command needs loaded by
    /// `prepare`: `cuda` insists (a failure is the error), `auto` takes the
    /// GPU only when it has loaded them, and otherwise falls back to the CPU
    /// and says why on stderr, once.
    pub fn select(
        self,
        prepare: impl FnOnce(&cbrng::cuda::Gpu) -> Result<(), Error>,
    ) -> Result<Option<cbrng::cuda::Gpu>, Error> {
        let ready = || -> Result<cbrng::cuda::Gpu, Error> {
            let g = cbrng::cuda::default_gpu()?;
            prepare(&g)?;
            Ok(g)
        };
        Ok(match self {
            Device::Cpu => None,
            Device::Cuda => Some(ready()?),
            Device::Auto => match ready() {
                Ok(g) => {
                    eprintln!("cbrng: device: cuda ({})", g.arch());
                    Some(g)
                }
                Err(e) => {
                    eprintln!("cbrng: device: cpu ({e})");
                    None
                }
            },
        })
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Generator, e.g. philox4x32-10, threefry2x64 (default rounds when omitted).
    #[arg(long)]
    algo: String,
    /// Number of elements.
    #[arg(long)]
    count: u64,
    /// u64 seed mapped to the key by the stream contract.
    #[arg(long, conflicts_with = "key")]
    seed: Option<u64>,
    /// Full key, hex words separated by commas (as many as the generator takes).
    #[arg(long)]
    key: Option<String>,
    /// Stream id.
    #[arg(long, default_value_t = 0)]
    stream: u64,
    /// First element, counted in elements of the requested dtype.
    #[arg(long, default_value_t = 0)]
    offset: u64,
    /// bits | uniform | normal | bernoulli:P | int:LO..HI (HI exclusive).
    #[arg(long, default_value = "bits")]
    dist: String,
    /// u32 | u64 | f32 | f64 | f16 | bf16 | u8 (default: the distribution's first).
    #[arg(long)]
    dtype: Option<String>,
    /// Normal mean.
    #[arg(long, allow_negative_numbers = true)]
    mean: Option<f64>,
    /// Normal standard deviation.
    #[arg(long, allow_negative_numbers = true)]
    std: Option<f64>,
    /// Where to compute.
    #[arg(long, value_enum, default_value_t = Device::Auto)]
    device: Device,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Hex)]
    format: Format,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<String>,
}

/// Elements generated and written per step, so any count runs in bounded memory.
const STEP: usize = 1 << 20;

fn parse_key(algo: Algorithm, text: &str) -> Result<Key, Error> {
    let words = text
        .split(',')
        .map(|w| {
            let w = w.trim().trim_start_matches("0x");
            u64::from_str_radix(w, 16).map_err(|_| Error::BadKey {
                reason: format!("'{w}' is not a hex word of at most 64 bits"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Key::from_words(algo, &words)
}

fn resolve_dist(args: &Args) -> Result<Distribution, Error> {
    let mut dist: Distribution = args.dist.parse()?;
    if args.mean.is_some() || args.std.is_some() {
        match &mut dist {
            Distribution::Normal { mean, std } => {
                *mean = args.mean.unwrap_or(*mean);
                *std = args.std.unwrap_or(*std);
            }
            _ => {
                return Err(Error::BadParameter {
                    reason: "--mean and --std apply only to --dist normal".into(),
                });
            }
        }
    }
    Ok(dist)
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    let algo: Algorithm = args.algo.parse()?;
    let key = match (&args.key, args.seed) {
        (Some(k), _) => parse_key(algo, k)?,
        (None, Some(s)) => Key::from_seed(algo, s)?,
        (None, None) => Key::from_seed(algo, 0)?,
    };
    let stream = Stream::new(algo, key, args.stream)?;
    let dist = resolve_dist(&args)?;
    let dtype: DType = match &args.dtype {
        Some(d) => d.parse()?,
        None => dist.default_dtype(),
    };
    let prepared = dist.prepare(dtype)?;
    // Check the whole range before writing anything.
    let len = stream.len_of(&prepared);
    if u128::from(args.offset) + u128::from(args.count) > len {
        return Err(Error::PastEndOfStream {
            offset: args.offset.into(),
            count: args.count.into(),
            algo: algo.to_string(),
            len,
        });
    }
    let gpu = args.device.select(|g| g.prepare(stream.algorithm()))?;
    let sink: Box<dyn Write> = match &args.out {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| Error::Io {
            path: p.clone(),
            reason: e.to_string(),
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let path = args.out.clone().unwrap_or_else(|| "<stdout>".into());
    let mut w = BufWriter::new(sink);
    let io = |e: std::io::Error| Error::Io {
        path: path.clone(),
        reason: e.to_string(),
    };
    if args.format == Format::Npy {
        output::write_npy_header(&mut w, dtype, args.count).map_err(io)?;
    }
    let gpu = gpu.as_ref();
    match dtype {
        DType::U32 => write_all::<u32>(&stream, &prepared, &args, gpu, &mut w),
        DType::U64 => write_all::<u64>(&stream, &prepared, &args, gpu, &mut w),
        DType::F32 => write_all::<f32>(&stream, &prepared, &args, gpu, &mut w),
        DType::F64 => write_all::<f64>(&stream, &prepared, &args, gpu, &mut w),
        DType::F16 => write_all::<f16>(&stream, &prepared, &args, gpu, &mut w),
        DType::BF16 => write_all::<bf16>(&stream, &prepared, &args, gpu, &mut w),
        DType::U8 => write_all::<u8>(&stream, &prepared, &args, gpu, &mut w),
    }
    .and_then(|()| w.flush().map_err(io))?;
    Ok(ExitCode::SUCCESS)
}

fn write_all<T: HexBits>(
    stream: &Stream,
    prepared: &cbrng::dist::Prepared,
    args: &Args,
    gpu: Option<&cbrng::cuda::Gpu>,
    w: &mut impl Write,
) -> Result<(), Error> {
    let path = args.out.clone().unwrap_or_else(|| "<stdout>".into());
    let mut buf = vec![T::default(); STEP.min(args.count as usize)];
    // On the GPU: one device buffer of STEP elements, filled and copied back per step.
    let mut dev = match gpu {
        Some(g) => Some(
            g.stream()
                .alloc_zeros::<u8>(buf.len().max(1) * std::mem::size_of::<T>())
                .map_err(|e| Error::Gpu {
                    reason: format!("cannot allocate the device buffer: {e:?}"),
                })?,
        ),
        None => None,
    };
    let mut done = 0u64;
    while done < args.count {
        let n = (args.count - done).min(STEP as u64) as usize;
        match (gpu, dev.as_mut()) {
            (Some(g), Some(d)) => {
                let size = std::mem::size_of::<T>();
                let mut view = d.slice_mut(..n * size);
                {
                    use cudarc::driver::DevicePtrMut;
                    let (ptr, _record) = view.device_ptr_mut(g.stream());
                    // SAFETY: the view holds n elements of the prepared dtype.
                    unsafe { g.fill_raw(stream, prepared, args.offset + done, ptr, n) }?;
                }
                let bytes = g.copy_to_host(&view)?;
                bytemuck::cast_slice_mut::<T, u8>(&mut buf[..n]).copy_from_slice(&bytes);
            }
            _ => stream.fill_prepared(prepared, args.offset + done, T::as_out(&mut buf[..n]))?,
        }
        output::write_chunk(w, args.format, &buf[..n]).map_err(|e| Error::Io {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        done += n as u64;
    }
    Ok(())
}

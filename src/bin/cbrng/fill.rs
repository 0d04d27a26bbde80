//! `cbrng fill`

use crate::output::{self, Format, HexBits, Output, Progress};
use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, Error, Key, Stream, grammar};
use half::{bf16, f16};
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
    /// and says why on stderr, once: always when a GPU is there but unusable
    /// (an old driver, a module it refuses), and only under `--verbose` when
    /// there is no CUDA driver at all (the usual CPU-only machine).
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
                    if cbrng::cuda::driver_present() || output::verbose() {
                        eprintln!("cbrng: device: cpu ({e})");
                    }
                    None
                }
            },
        })
    }
}

/// The grammar of `cbrng fill`'s values, shown by `cbrng fill --help`.
pub const GRAMMAR: &str = "\
Value grammar (anything else is an error, exit 2):
  U64, U128    decimal integer: 0 or [1-9][0-9]*, within the type; no sign, no leading zero
  HEX          hex word: an optional single 0x, then [0-9a-fA-F]+, within the generator's word size
  REAL         -?D+(.D*)?([eE][+-]?D+)? or -?.D+(...), finite; no '+', NaN or inf
  NAME         philox|threefry + 2x32|4x32|2x64|4x64, optionally -ROUNDS (ROUNDS a U64 in 1..=255); any case
  DTYPE        u32 | u64 | f32 | f64 | f16 | bf16 | u8 | i32 | i64 | bool; any case
  DIST         bits | uniform | normal | normal:REAL,REAL | bernoulli:REAL | int:INT..INT (HI exclusive)
               | uniform:REAL,REAL (f32, f64, f16, bf16) | exponential:REAL | ... (see --dist)
               | truncated-normal:BOUND,BOUND[,REAL,REAL] (BOUND: REAL, -inf or inf; A < B)
               | categorical:REAL,REAL,... | categorical:@FILE (weights >= 0, one a line in
                 FILE, # comments; u32 | u64 | i32 | i64 indices, default u32)
  INT          signed decimal integer: 0 or -?[1-9][0-9]*; int's LO..HI must lie in the dtype
               (negative only for i32/i64; HI up to 2^64 for u64)
  --mean/--std only with --dist normal (no parameters in the spec: give them once);
  normal parameters must keep mean +- std * (largest |z| of the dtype) finite in the dtype.";

#[derive(clap::Args)]
#[command(after_help = GRAMMAR)]
pub struct Args {
    /// Generator NAME, e.g. philox4x32-10, threefry2x64 (default rounds when omitted).
    #[arg(long)]
    algo: String,
    /// Number of elements (U64).
    #[arg(long, allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    count: u64,
    /// U64 seed mapped to the key by the stream contract.
    #[arg(long, conflicts_with = "key", allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    seed: Option<u64>,
    /// Full key, HEX words separated by commas (as many as the generator takes).
    #[arg(long)]
    key: Option<String>,
    /// Stream id (U64).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = grammar::decimal_u64)]
    stream: u64,
    /// First element (U128), counted in elements of the requested dtype.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = grammar::decimal_u128)]
    offset: u128,
    /// DIST: bits | uniform | normal[:MEAN,STD] | bernoulli:P | int:LO..HI (HI exclusive) |
    /// uniform:LO,HI | exponential[:LAMBDA] | log-normal[:MU,SIGMA] | gumbel[:MU,BETA] |
    /// cauchy[:X0,GAMMA] | logistic[:MU,S] | laplace[:MU,B] (contract v2, f32/f64) |
    /// poisson:LAMBDA | binomial:N,P (contract v3, u32/u64/i32/i64).
    /// truncated-normal:A,B[,MEAN,STD] (contract v3, f32/f64) | categorical:W0,W1,... |
    /// categorical:@FILE (indices, u32/u64/i32/i64; on the CPU).
    /// gamma:K[,THETA] | chi-squared:K | beta:A,B | student-t:NU (contract v3, f32/f64).
    #[arg(long, default_value = "bits")]
    dist: String,
    /// u32 | u64 | f32 | f64 | f16 | bf16 | u8 | i32 | i64 | bool (default: the distribution's first).
    #[arg(long)]
    dtype: Option<String>,
    /// Normal mean (REAL; only with --dist normal).
    #[arg(long, allow_negative_numbers = true, value_parser = grammar::real)]
    mean: Option<f64>,
    /// Normal standard deviation (REAL; only with --dist normal).
    #[arg(long, allow_negative_numbers = true, value_parser = grammar::real)]
    std: Option<f64>,
    /// Where to compute.
    #[arg(long, value_enum, default_value_t = Device::Auto)]
    device: Device,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Hex)]
    format: Format,
    /// Shape of the .npy array, dimensions separated by commas (their
    /// product must be --count; default: one dimension of --count).
    #[arg(long)]
    shape: Option<String>,
    /// Output file, written whole or not at all (a temporary file beside it
    /// is renamed into place); `-` or none: standard output.
    #[arg(long)]
    out: Option<String>,
}

impl Args {
    /// One past the last element asked for (u128: no wrap).
    pub fn end(&self) -> u128 {
        self.offset.saturating_add(u128::from(self.count))
    }
}

/// Elements generated and written per step, so any count runs in bounded memory.
const STEP: usize = 1 << 20;

fn resolve_dist(args: &Args) -> Result<Distribution, Error> {
    let mut dist: Distribution = args.dist.parse()?;
    if args.mean.is_some() || args.std.is_some() {
        match &mut dist {
            Distribution::Normal { .. } if args.dist.contains(':') => {
                return Err(Error::BadParameter {
                    reason: format!(
                        "--dist {} already gives the normal's mean and std; give them once (normal:MEAN,STD or --mean/--std)",
                        grammar::show(&args.dist)
                    ),
                });
            }
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

/// Everything `fill` checks before it writes: the stream, the prepared
/// distribution and the element range.
pub struct Plan {
    pub stream: Stream,
    pub prepared: cbrng::dist::Prepared,
}

/// Checks the arguments (all of them, before anything is written).
pub fn plan(args: &Args) -> Result<Plan, Error> {
    let algo: Algorithm = args.algo.parse()?;
    let key = match (&args.key, args.seed) {
        (Some(k), _) => Key::parse(algo, k)?,
        (None, Some(s)) => Key::from_seed(algo, s)?,
        (None, None) => Key::from_seed(algo, 0)?,
    };
    let stream = Stream::new(algo, key, args.stream)?;
    let dist = resolve_dist(args)?;
    let dtype: DType = match &args.dtype {
        Some(d) => d.parse()?,
        None => dist.default_dtype(),
    };
    let prepared = dist.prepare(dtype)?;
    // The whole range, in u128 (a 4x32 or 4x64 stream holds 2^66 u32 elements).
    let len = stream.len_of(&prepared);
    match args.offset.checked_add(args.count.into()) {
        Some(end) if end <= len => Ok(Plan { stream, prepared }),
        _ => Err(Error::PastEndOfStream {
            offset: args.offset,
            count: args.count.into(),
            algo: algo.to_string(),
            len,
        }),
    }
}

/// The GPU to fill on, if any. Device kernels index elements by u64, below
/// [`cbrng::cuda::DEVICE_INDEX_LIMIT`]: `cuda` makes a range past it an
/// error, `auto` computes it on the CPU (the same bits).
fn select_gpu(args: &Args, algo: cbrng::Algorithm) -> Result<Option<cbrng::cuda::Gpu>, Error> {
    let end = args.end();
    if end > cbrng::cuda::DEVICE_INDEX_LIMIT && args.device != Device::Cpu {
        if args.device == Device::Cuda {
            return Err(Error::BadParameter {
                reason: format!(
                    "--device cuda fills elements below {} only (asked for [{}, {end})); use --device cpu",
                    cbrng::cuda::DEVICE_INDEX_LIMIT,
                    args.offset
                ),
            });
        }
        if cbrng::cuda::driver_present() || output::verbose() {
            eprintln!(
                "cbrng: device: cpu (elements from {} on are computed on the CPU)",
                cbrng::cuda::DEVICE_INDEX_LIMIT
            );
        }
        return Ok(None);
    }
    args.device.select(|g| g.prepare(algo))
}

/// The `--shape` of the .npy output: dimensions whose product is `count`.
pub fn npy_shape(args: &Args) -> Result<Vec<u64>, Error> {
    let Some(text) = &args.shape else {
        return Ok(vec![args.count]);
    };
    if args.format != Format::Npy {
        return Err(Error::BadParameter {
            reason: "--shape applies only to --format npy".into(),
        });
    }
    let dims = text
        .split(',')
        .map(|d| {
            grammar::decimal_u64(d).map_err(|reason| Error::BadParameter {
                reason: format!("--shape: {reason}"),
            })
        })
        .collect::<Result<Vec<u64>, Error>>()?;
    let product = dims
        .iter()
        .try_fold(1u64, |p, &d| p.checked_mul(d))
        .filter(|&p| p == args.count);
    match product {
        Some(_) => Ok(dims),
        None => Err(Error::BadParameter {
            reason: format!(
                "--shape {} holds a different number of elements than --count {}",
                grammar::show(text),
                args.count
            ),
        }),
    }
}

/// The weights of `--dist categorical:W0,W1,...` or `categorical:@FILE`,
/// or `None` for another distribution.
fn categorical_weights(args: &Args) -> Option<Result<Vec<f64>, Error>> {
    let (name, arg) = args.dist.split_once(':').unwrap_or((&args.dist, ""));
    if !name.eq_ignore_ascii_case("categorical") {
        return None;
    }
    use cbrng::dist::categorical::parse_weights;
    Some(if let Some(path) = arg.strip_prefix('@') {
        std::fs::read_to_string(path)
            .map_err(|e| Error::BadParameter {
                reason: format!("categorical weights file {}: {e}", grammar::show(path)),
            })
            .and_then(|text| parse_weights(&text, '\n'))
    } else if arg.is_empty() {
        Err(Error::BadParameter {
            reason: "expected categorical:W0,W1,... or categorical:@FILE".into(),
        })
    } else {
        parse_weights(arg, ',')
    })
}

/// `cbrng fill --dist categorical:...`: index i is that of u64 stream
/// element offset + i ([`cbrng::dist::categorical`]), on the CPU.
fn run_categorical(args: &Args, weights: Vec<f64>) -> Result<ExitCode, Error> {
    use cbrng::dist::categorical::Categorical;
    if args.mean.is_some() || args.std.is_some() {
        return Err(Error::BadParameter {
            reason: "--mean and --std apply only to --dist normal".into(),
        });
    }
    if args.device == Device::Cuda {
        return Err(Error::BadParameter {
            reason: "categorical fills on the CPU in the command line (the library's GPU fill is Gpu::fill_categorical); use --device cpu or auto".into(),
        });
    }
    let algo: Algorithm = args.algo.parse()?;
    let key = match (&args.key, args.seed) {
        (Some(k), _) => Key::parse(algo, k)?,
        (None, Some(s)) => Key::from_seed(algo, s)?,
        (None, None) => Key::from_seed(algo, 0)?,
    };
    let stream = Stream::new(algo, key, args.stream)?;
    let dtype: DType = match &args.dtype {
        Some(d) => d.parse()?,
        None => DType::U32,
    };
    if !Categorical::DTYPES.contains(&dtype) {
        return Err(Error::DTypeMismatch {
            dist: "categorical".into(),
            dtype: dtype.to_string(),
            allowed: "u32, u64, i32, i64".into(),
        });
    }
    let table = Categorical::new(&weights)?;
    // The whole range first, so nothing is written for a bad one.
    let len = stream.len_of(&Distribution::Bits.prepare(DType::U64)?);
    if args.end() > len || args.offset.checked_add(args.count.into()).is_none() {
        return Err(Error::PastEndOfStream {
            offset: args.offset,
            count: args.count.into(),
            algo: algo.to_string(),
            len,
        });
    }
    let shape = npy_shape(args)?;
    let mut out = Output::open(args.out.as_deref())?;
    if args.format == Format::Npy {
        out.bytes(&output::npy_header(dtype, &shape))?;
    }
    fn write<T: HexBits + cbrng::dist::categorical::CategoricalIndex>(
        t: &Categorical,
        stream: &Stream,
        args: &Args,
        w: &mut Output,
    ) -> Result<(), Error> {
        let mut progress = Progress::new(args.count, "elements");
        let mut buf = vec![T::default(); STEP.min(args.count as usize)];
        let mut done = 0u64;
        while done < args.count {
            let n = (args.count - done).min(STEP as u64) as usize;
            t.fill(stream, args.offset + u128::from(done), &mut buf[..n])?;
            let r = output::write_chunk(w.writer(), args.format, &buf[..n]);
            r.map_err(|e| w.err(e))?;
            done += n as u64;
            progress.inc(n as u64);
        }
        Ok(())
    }
    let w = &mut out;
    match dtype {
        DType::U32 => write::<u32>(&table, &stream, args, w),
        DType::U64 => write::<u64>(&table, &stream, args, w),
        DType::I32 => write::<i32>(&table, &stream, args, w),
        _ => write::<i64>(&table, &stream, args, w),
    }?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    if let Some(weights) = categorical_weights(&args) {
        return run_categorical(&args, weights?);
    }
    let Plan { stream, prepared } = plan(&args)?;
    let shape = npy_shape(&args)?;
    let dtype = prepared.dtype;
    let gpu = select_gpu(&args, stream.algorithm())?;
    let mut out = Output::open(args.out.as_deref())?;
    if args.format == Format::Npy {
        out.bytes(&output::npy_header(dtype, &shape))?;
    }
    let gpu = gpu.as_ref();
    let w = &mut out;
    match dtype {
        DType::U32 => write_all::<u32>(&stream, &prepared, &args, gpu, w),
        DType::U64 => write_all::<u64>(&stream, &prepared, &args, gpu, w),
        DType::F32 => write_all::<f32>(&stream, &prepared, &args, gpu, w),
        DType::F64 => write_all::<f64>(&stream, &prepared, &args, gpu, w),
        DType::F16 => write_all::<f16>(&stream, &prepared, &args, gpu, w),
        DType::BF16 => write_all::<bf16>(&stream, &prepared, &args, gpu, w),
        DType::U8 => write_all::<u8>(&stream, &prepared, &args, gpu, w),
        DType::I32 => write_all::<i32>(&stream, &prepared, &args, gpu, w),
        DType::I64 => write_all::<i64>(&stream, &prepared, &args, gpu, w),
        DType::Bool => write_all::<bool>(&stream, &prepared, &args, gpu, w),
    }?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn write_all<T: HexBits>(
    stream: &Stream,
    prepared: &cbrng::dist::Prepared,
    args: &Args,
    gpu: Option<&cbrng::cuda::Gpu>,
    w: &mut Output,
) -> Result<(), Error> {
    let mut progress = Progress::new(args.count, "elements");
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
        // Element positions are u128: a stream can be longer than 2^64.
        let at = args.offset + u128::from(done);
        match (gpu, dev.as_mut()) {
            (Some(g), Some(d)) => {
                let size = std::mem::size_of::<T>();
                let mut view = d.slice_mut(..n * size);
                {
                    use cudarc::driver::DevicePtrMut;
                    let (ptr, _record) = view.device_ptr_mut(g.stream());
                    // select_gpu kept the whole range below the device index limit.
                    let at = u64::try_from(at).map_err(|_| Error::BadParameter {
                        reason: format!("element {at} is past the device index limit"),
                    })?;
                    // SAFETY: the view holds n elements of the prepared dtype.
                    unsafe { g.fill_raw(stream, prepared, at, ptr, n) }?;
                }
                let bytes = g.copy_to_host(&view)?;
                // Checked per element (a bool must be 0 or 1), never transmuted.
                for (o, b) in buf[..n].iter_mut().zip(bytes.chunks_exact(size)) {
                    *o = bytemuck::checked::try_pod_read_unaligned(b).map_err(|_| Error::Gpu {
                        reason: format!("the device wrote an invalid {} value", T::DTYPE),
                    })?;
                }
            }
            _ => stream.fill_prepared(prepared, at, T::as_out(&mut buf[..n]))?,
        }
        let r = output::write_chunk(w.writer(), args.format, &buf[..n]);
        r.map_err(|e| w.err(e))?;
        done += n as u64;
        progress.inc(n as u64);
    }
    Ok(())
}

//! `cbrng compat SYSTEM ...`: other systems' streams (cbrng::compat), printed
//! like `fill` prints (hex one element a line, raw bytes, or .npy).

use crate::fill::Device;
use crate::output::{Format, Output};
use cbrng::Error;
use cbrng::compat::jax::{Config, Key, XlaLog};
use cbrng::compat::numpy::{Generator, IntDType};
use cbrng::cuda::Gpu;
use cbrng::cuda::compat::CompatElement;
use half::{bf16, f16};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    system: System,
}

#[derive(clap::Subcommand)]
enum System {
    /// numpy.random.Generator(numpy.random.Philox(SEED)), NumPy 2.x.
    Numpy(NumpyArgs),
    /// jax.random with the default threefry2x32 (JAX 0.7, CPU).
    Jax(JaxArgs),
    /// cuRAND's device API, Philox4_32_10: curand_init then COUNT calls of --fn.
    Curand(CurandArgs),
    /// torch.rand/randn/... on CUDA, replayed for a launch geometry.
    Torch(TorchArgs),
}

#[derive(clap::Args)]
struct CurandArgs {
    /// curand | uniform | uniform4 | uniform-double | normal | normal2 | normal-double | log-normal
    #[arg(long = "fn")]
    func: String,
    /// curand_init's seed.
    #[arg(long)]
    seed: u64,
    /// curand_init's subsequence.
    #[arg(long, default_value_t = 0)]
    subsequence: u64,
    /// curand_init's offset.
    #[arg(long, default_value_t = 0)]
    offset: u64,
    /// Number of calls (uniform4 and normal2 give 4 and 2 elements a call).
    #[arg(long)]
    count: u64,
    /// log-normal's mean.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0)]
    mean: f32,
    /// log-normal's standard deviation.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    std: f32,
    /// Where to compute: cpu, cuda (the compat kernels; an error without a
    /// usable GPU) or auto (the GPU when one is usable, else the CPU). On a
    /// GPU the Box-Muller draws are cuRAND's own bits, which the CPU
    /// approximates in the last bits; everything else is the same on both.
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    engine: Device,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(clap::Args)]
struct TorchArgs {
    /// rand | randn | bernoulli:P | normal:M,S | uniform:A,B | dropout-mask:P (u8, 1 = kept)
    #[arg(long, allow_hyphen_values = true)]
    op: String,
    /// torch.cuda.manual_seed.
    #[arg(long)]
    seed: u64,
    /// Elements.
    #[arg(long)]
    numel: u64,
    /// A named GPU (t4, a10g, l4, l40s, a100, h100-sxm, h100-pcie, h200, b200, rtx4090).
    #[arg(long, conflicts_with_all = ["sm_count", "threads_per_sm"])]
    device: Option<String>,
    /// multiProcessorCount.
    #[arg(long)]
    sm_count: Option<u32>,
    /// maxThreadsPerMultiProcessor.
    #[arg(long)]
    threads_per_sm: Option<u32>,
    /// The generator's philox offset before the call.
    #[arg(long, default_value_t = 0)]
    philox_offset: u64,
    /// f32 | f64 | f16 | bf16 (bernoulli: f32; dropout-mask: the input's dtype).
    #[arg(long, default_value = "f32")]
    dtype: String,
    /// Where to compute: cpu, cuda (the compat kernels; an error without a
    /// usable GPU) or auto (the GPU when one is usable, else the CPU). On a
    /// GPU the Box-Muller draws are cuRAND's own bits, which the CPU
    /// approximates in the last bits; everything else is the same on both.
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    engine: Device,
    #[command(flatten)]
    out: OutArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Backend {
    Cpu,
    Gpu,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum LogKernel {
    /// The kernel XLA:CPU picks for the size (established for 1-D shapes with partitionable=true).
    Auto,
    /// XLA's vectorized kernel (calls the C library's logf).
    Libm,
    /// XLA's scalar kernel (its inline log).
    Inline,
}

#[derive(clap::Args)]
struct JaxArgs {
    /// Seed of jax.random.key: -2^63 ..= 2^64-1 (from 2^63 on: a numpy.uint64 seed).
    #[arg(long, allow_hyphen_values = true)]
    seed: String,
    /// jax_enable_x64.
    #[arg(long, default_value_t = false, action = clap::ArgAction::Set)]
    x64: bool,
    /// jax_threefry_partitionable (JAX's default since 0.5.0: true).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    partitionable: bool,
    /// Key derivation steps, left to right: fold_in:N,split:K:I (split(key, K)[I]).
    #[arg(long, default_value = "")]
    derive: String,
    /// key | bits | uniform | normal
    #[arg(long = "fn")]
    func: String,
    /// bits: u8|u16|u32|u64; uniform: f32|f64|f16|bf16; normal: f32 (default u32 / f32).
    #[arg(long)]
    dtype: Option<String>,
    /// Shape, comma-separated (empty: a scalar).
    #[arg(long, default_value = "")]
    shape: String,
    /// Whose arithmetic normal reproduces: JAX on the CPU (XLA:CPU, x86-64
    /// with FMA; checked against JAX 0.7.1) or on an NVIDIA GPU (XLA:GPU's
    /// lowering as established from its source). With --backend gpu the CPU
    /// models the GPU's two approximate instructions: f64 is exact but for
    /// an unpublished reciprocal seed, f32 exact but for |u| > 0.9966, where
    /// the approximate sqrt may move a draw by up to 3 ulp; --engine cuda
    /// runs those instructions themselves (not yet checked on a GPU). bits
    /// and uniform are the same on both.
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    backend: Backend,
    /// normal only: which XLA:CPU kernel's log.
    #[arg(long, value_enum, default_value_t = LogKernel::Auto)]
    xla_log: LogKernel,
    /// Where to compute bits, uniform and normal: cpu, cuda (the compat
    /// kernels; an error without a usable GPU) or auto. key runs on the CPU;
    /// normal on the GPU is XLA:GPU's (--backend gpu): with --backend cpu
    /// it runs on the CPU (auto) or is refused (cuda).
    #[arg(long, value_enum, default_value_t = Device::Cpu)]
    engine: Device,
    #[command(flatten)]
    out: OutArgs,
}

/// Where and how to write.
#[derive(clap::Args)]
struct OutArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Hex)]
    format: Format,
    /// Output file (default: standard output).
    #[arg(long)]
    out: Option<String>,
}

#[derive(clap::Args)]
struct NumpyArgs {
    /// Integer seed of any size (decimal or 0x hex), as given to Philox(seed).
    #[arg(long, allow_hyphen_values = true)]
    seed: String,
    /// key | raw | random | standard-normal | integers:LO..HI (HI exclusive) | integers:LO..=HI
    #[arg(long, allow_hyphen_values = true)]
    method: String,
    /// f64 | f32 (random, standard-normal); u8..u64, i8..i64, bool (integers; default i64).
    #[arg(long)]
    dtype: Option<String>,
    /// Number of elements (one call with size=COUNT; not for key).
    #[arg(long)]
    count: Option<u64>,
    #[command(flatten)]
    out: OutArgs,
}

/// Elements made and written per step, so any count runs in bounded memory.
const STEP: u64 = 1 << 16;

/// A dtype of the output: its width and its .npy descr.
#[derive(Clone, Copy)]
struct OutType {
    bytes: usize,
    descr: &'static str,
}

const U64: OutType = OutType {
    bytes: 8,
    descr: "<u8",
};
const F64: OutType = OutType {
    bytes: 8,
    descr: "<f8",
};
const F32: OutType = OutType {
    bytes: 4,
    descr: "<f4",
};

fn int_out(d: IntDType) -> OutType {
    let descr = match d {
        IntDType::Bool => "|b1",
        IntDType::U8 => "|u1",
        IntDType::I8 => "|i1",
        IntDType::U16 => "<u2",
        IntDType::I16 => "<i2",
        IntDType::U32 => "<u4",
        IntDType::I32 => "<i4",
        IntDType::U64 => "<u8",
        IntDType::I64 => "<i8",
    };
    OutType {
        bytes: (d.bits() / 8) as usize,
        descr,
    }
}

fn numpy_err(reason: String) -> Error {
    Error::Compat {
        system: "numpy".into(),
        reason,
    }
}

/// Writes `count` elements, each given as its bits, in steps, through the
/// program's checked writer (`output::Output`: atomic `--out`, `-` for
/// standard output, a closed pipe a quiet stop).
struct Sink {
    w: Output,
    format: Format,
    ty: OutType,
}

impl Sink {
    fn open(out: &OutArgs, ty: OutType, count: u64) -> Result<Sink, Error> {
        if out.format == Format::Text {
            return Err(Error::BadParameter {
                reason: "cbrng compat writes --format hex, raw or npy (elements by their bits)"
                    .into(),
            });
        }
        let mut s = Sink {
            w: Output::open(out.out.as_deref())?,
            format: out.format,
            ty,
        };
        if s.format == Format::Npy {
            let mut dict = format!(
                "{{'descr': '{}', 'fortran_order': False, 'shape': ({count},), }}",
                ty.descr
            );
            let total = 10 + dict.len() + 1;
            dict.push_str(&" ".repeat(total.next_multiple_of(64) - total));
            dict.push('\n');
            let mut head = b"\x93NUMPY\x01\x00".to_vec();
            head.extend_from_slice(&(dict.len() as u16).to_le_bytes());
            head.extend_from_slice(dict.as_bytes());
            s.w.bytes(&head)?;
        }
        Ok(s)
    }

    fn put(&mut self, bits: &[u64]) -> Result<(), Error> {
        let width = self.ty.bytes;
        match self.format {
            Format::Hex => {
                let mut text = String::with_capacity(bits.len() * (2 * width + 1));
                for &b in bits {
                    use std::fmt::Write as _;
                    let _ = writeln!(text, "{b:0w$x}", w = 2 * width);
                }
                self.w.bytes(text.as_bytes())
            }
            Format::Raw | Format::Npy | Format::Text => {
                let mut bytes = Vec::with_capacity(bits.len() * width);
                for &b in bits {
                    bytes.extend_from_slice(&b.to_le_bytes()[..width]);
                }
                self.w.bytes(&bytes)
            }
        }
    }

    fn finish(self) -> Result<(), Error> {
        self.w.finish()
    }
}

/// `n` elements of T made on the GPU by `f` into a fresh device buffer, then
/// copied back.
fn on_gpu<T: CompatElement>(
    g: &Gpu,
    n: usize,
    f: impl FnOnce(&mut cudarc::driver::CudaViewMut<'_, T>) -> Result<(), Error>,
) -> Result<Vec<T>, Error> {
    let size = std::mem::size_of::<T>();
    let mut buf = g
        .stream()
        .alloc_zeros::<u8>((n * size).max(1))
        .map_err(|e| Error::Gpu {
            reason: format!("cannot allocate the device buffer: {e:?}"),
        })?;
    {
        // SAFETY: the buffer holds n elements of T (a plain-bytes type).
        let mut view = unsafe { buf.transmute_mut::<T>(n) }.ok_or_else(|| Error::Gpu {
            reason: "device buffer too small".into(),
        })?;
        f(&mut view)?;
    }
    // SAFETY: as above.
    let view = unsafe { buf.transmute::<T>(n) }.ok_or_else(|| Error::Gpu {
        reason: "device buffer too small".into(),
    })?;
    let bytes = g.copy_to_host(&view)?;
    Ok(bytes
        .chunks_exact(size)
        .map(bytemuck::pod_read_unaligned)
        .collect())
}

pub fn run(args: Args) -> Result<ExitCode, Error> {
    match args.system {
        System::Numpy(a) => numpy(a),
        System::Jax(a) => jax(a),
        System::Curand(a) => curand(a),
        System::Torch(a) => torch(a),
    }
    .map(|()| ExitCode::SUCCESS)
}

/// What `--method` asks of NumPy.
enum NpMethod {
    Key,
    Raw,
    Random(bool),
    Normal(bool),
    Integers {
        low: i128,
        high: i128,
        endpoint: bool,
        dtype: IntDType,
    },
}

fn parse_int(s: &str, what: &str) -> Result<i128, Error> {
    s.trim()
        .parse::<i128>()
        .map_err(|_| numpy_err(format!("integers: {what} '{s}' is not an integer")))
}

fn numpy_method(method: &str, dtype: Option<&str>) -> Result<NpMethod, Error> {
    let float = |name: &str| -> Result<bool, Error> {
        match dtype.unwrap_or("f64") {
            "f64" => Ok(true),
            "f32" => Ok(false),
            d => Err(numpy_err(format!(
                "{name} cannot produce dtype '{d}' (expected f64|f32)"
            ))),
        }
    };
    let only_u64 = |name: &str| -> Result<(), Error> {
        match dtype.unwrap_or("u64") {
            "u64" => Ok(()),
            d => Err(numpy_err(format!(
                "{name} gives u64 words, not dtype '{d}'"
            ))),
        }
    };
    Ok(match method {
        "key" => {
            only_u64("key")?;
            NpMethod::Key
        }
        "raw" => {
            only_u64("raw")?;
            NpMethod::Raw
        }
        "random" => NpMethod::Random(float("random")?),
        "standard-normal" => NpMethod::Normal(float("standard-normal")?),
        m if m.starts_with("integers:") => {
            let range = &m["integers:".len()..];
            let (lo, hi, endpoint) = if let Some((lo, hi)) = range.split_once("..=") {
                (lo, hi, true)
            } else if let Some((lo, hi)) = range.split_once("..") {
                (lo, hi, false)
            } else {
                return Err(numpy_err(format!(
                    "bad method '{m}': expected integers:LO..HI or integers:LO..=HI"
                )));
            };
            NpMethod::Integers {
                low: parse_int(lo, "LO")?,
                high: parse_int(hi, "HI")?,
                endpoint,
                dtype: IntDType::parse(dtype.unwrap_or("i64"))?,
            }
        }
        m => {
            return Err(numpy_err(format!(
                "unknown method '{m}' (expected key|raw|random|standard-normal|integers:LO..HI)"
            )));
        }
    })
}

fn numpy(a: NumpyArgs) -> Result<(), Error> {
    let method = numpy_method(&a.method, a.dtype.as_deref())?;
    let mut g = Generator::from_seed(&a.seed)?;
    if let NpMethod::Key = method {
        if a.count.is_some() {
            return Err(numpy_err("--count does not apply to --method key".into()));
        }
        let mut sink = Sink::open(&a.out, U64, 2)?;
        sink.put(&g.bit_generator().key())?;
        return sink.finish();
    }
    let count = a
        .count
        .ok_or_else(|| numpy_err(format!("--method {} needs --count N", a.method)))?;
    let ty = match &method {
        NpMethod::Key | NpMethod::Raw => U64,
        NpMethod::Random(true) | NpMethod::Normal(true) => F64,
        NpMethod::Random(false) | NpMethod::Normal(false) => F32,
        NpMethod::Integers { dtype, .. } => int_out(*dtype),
    };
    // NumPy makes all COUNT elements in one call: a call cut in steps must
    // give the same elements. For integers the u16/u8/bool buffer lives for
    // one call only, so those are made in one piece.
    let step = match &method {
        NpMethod::Integers { dtype, .. } if dtype.bits() < 32 => count,
        _ => STEP,
    };
    if let NpMethod::Integers {
        low,
        high,
        endpoint,
        dtype,
    } = &method
    {
        // Check the bounds before writing anything.
        g.clone()
            .integers(*low, *high, *endpoint, *dtype, &mut [])?;
        if step > (1 << 24) {
            return Err(numpy_err(format!(
                "integers of dtype {} are made in one call: at most 2^24 elements, not {count}",
                dtype.name()
            )));
        }
    }
    let mut sink = Sink::open(&a.out, ty, count)?;
    let mut bits = vec![0u64; count.min(step) as usize];
    let mut done = 0u64;
    while done < count {
        let n = (count - done).min(step) as usize;
        let b = &mut bits[..n];
        match &method {
            NpMethod::Key | NpMethod::Raw => g.bit_generator_mut().fill_u64(b),
            NpMethod::Random(true) | NpMethod::Normal(true) => {
                let x: &mut [f64] = bytemuck::cast_slice_mut(b);
                if matches!(method, NpMethod::Random(_)) {
                    g.random_f64(x)
                } else {
                    g.standard_normal_f64(x)
                }
            }
            NpMethod::Random(false) | NpMethod::Normal(false) => {
                let mut x = vec![0f32; n];
                if matches!(method, NpMethod::Random(_)) {
                    g.random_f32(&mut x)
                } else {
                    g.standard_normal_f32(&mut x)
                }
                for (o, v) in b.iter_mut().zip(x) {
                    *o = u64::from(v.to_bits());
                }
            }
            NpMethod::Integers {
                low,
                high,
                endpoint,
                dtype,
            } => g.integers(*low, *high, *endpoint, *dtype, b)?,
        }
        sink.put(b)?;
        done += n as u64;
    }
    sink.finish()
}

fn jax_err(reason: String) -> Error {
    Error::Compat {
        system: "jax".into(),
        reason,
    }
}

/// Elements per JAX call the command makes in one piece (the outputs of one
/// call are not made in steps: the non-partitionable path depends on the size).
const JAX_MAX: u64 = 1 << 26;

fn jax(a: JaxArgs) -> Result<(), Error> {
    let backend = match a.backend {
        Backend::Cpu => cbrng::compat::jax::Backend::Cpu,
        Backend::Gpu => cbrng::compat::jax::Backend::Gpu,
    };
    if backend == cbrng::compat::jax::Backend::Gpu && a.xla_log != LogKernel::Auto {
        return Err(jax_err(
            "--xla-log chooses an XLA:CPU kernel; it does not apply to --backend gpu".into(),
        ));
    }
    let cfg = Config {
        x64: a.x64,
        partitionable: a.partitionable,
    };
    let seed: i128 = a
        .seed
        .trim()
        .parse()
        .map_err(|_| jax_err(format!("seed '{}' is not an integer", a.seed)))?;
    let key = Key::from_seed(seed, cfg)?.derive(&a.derive, cfg)?;
    let mut n: u64 = 1;
    let dims: Vec<&str> = if a.shape.trim().is_empty() {
        Vec::new()
    } else {
        a.shape.split(',').map(str::trim).collect()
    };
    for d in dims {
        let d: u64 = d
            .parse()
            .map_err(|_| jax_err(format!("shape '{}': '{d}' is not a dimension", a.shape)))?;
        n = n.saturating_mul(d);
    }
    if n > JAX_MAX {
        return Err(jax_err(format!(
            "shape '{}' holds {n} elements; cbrng compat jax makes at most 2^26 in one call",
            a.shape
        )));
    }
    let n = n as usize;
    let gpu = match a.func.as_str() {
        "bits" | "uniform" => a.engine.select(|g| g.prepare_compat())?,
        "normal" if backend == cbrng::compat::jax::Backend::Gpu => {
            a.engine.select(|g| g.prepare_compat())?
        }
        "normal" if a.engine == Device::Cuda => {
            return Err(jax_err(
                "--engine cuda draws normal with XLA:GPU's arithmetic (--backend gpu); XLA:CPU's (--backend cpu) runs on the CPU only: use --engine cpu".into(),
            ));
        }
        _ => None,
    };
    // A draw on the GPU if one was chosen, else on the CPU.
    macro_rules! draw {
        ($t:ty, $zero:expr, $cpu:ident, $gpu:ident) => {
            match &gpu {
                Some(g) => on_gpu::<$t>(g, n, |o| g.$gpu(&key, cfg, o))?,
                None => {
                    let mut v = vec![$zero; n];
                    key.$cpu(cfg, &mut v)?;
                    v
                }
            }
        };
    }
    let dtype = a.dtype.clone();
    let bad_dtype = |f: &str, allowed: &str| {
        jax_err(format!(
            "{f} cannot produce dtype '{}' (expected {allowed})",
            dtype.clone().unwrap_or_default()
        ))
    };
    let (ty, bits): (OutType, Vec<u64>) = match a.func.as_str() {
        "key" => {
            if a.dtype.as_deref().is_some_and(|d| d != "u32") {
                return Err(bad_dtype("key", "u32"));
            }
            let d = key.data();
            (
                OutType {
                    bytes: 4,
                    descr: "<u4",
                },
                d.iter().map(|&w| u64::from(w)).collect(),
            )
        }
        "bits" => match a.dtype.as_deref().unwrap_or("u32") {
            "u8" => {
                let v = draw!(u8, 0u8, bits_u8, jax_bits);
                (
                    OutType {
                        bytes: 1,
                        descr: "|u1",
                    },
                    v.into_iter().map(u64::from).collect(),
                )
            }
            "u16" => {
                let v = draw!(u16, 0u16, bits_u16, jax_bits);
                (
                    OutType {
                        bytes: 2,
                        descr: "<u2",
                    },
                    v.into_iter().map(u64::from).collect(),
                )
            }
            "u32" => {
                let v = draw!(u32, 0u32, bits_u32, jax_bits);
                (
                    OutType {
                        bytes: 4,
                        descr: "<u4",
                    },
                    v.into_iter().map(u64::from).collect(),
                )
            }
            "u64" => {
                let v = draw!(u64, 0u64, bits_u64, jax_bits);
                (U64, v)
            }
            _ => return Err(bad_dtype("bits", "u8|u16|u32|u64")),
        },
        "uniform" => match a.dtype.as_deref().unwrap_or("f32") {
            "f32" => {
                let v = draw!(f32, 0f32, uniform_f32, jax_uniform);
                (F32, v.into_iter().map(|x| u64::from(x.to_bits())).collect())
            }
            "f64" => {
                let v = draw!(f64, 0f64, uniform_f64, jax_uniform);
                (F64, v.into_iter().map(f64::to_bits).collect())
            }
            "f16" => {
                let v = draw!(f16, f16::ZERO, uniform_f16, jax_uniform);
                (
                    OutType {
                        bytes: 2,
                        descr: "<f2",
                    },
                    v.into_iter().map(|x| u64::from(x.to_bits())).collect(),
                )
            }
            "bf16" => {
                let v = draw!(bf16, bf16::ZERO, uniform_bf16, jax_uniform);
                // .npy has no bfloat16: its bits as <u2, as `cbrng fill` writes it.
                (
                    OutType {
                        bytes: 2,
                        descr: "<u2",
                    },
                    v.into_iter().map(|x| u64::from(x.to_bits())).collect(),
                )
            }
            _ => return Err(bad_dtype("uniform", "f32|f64|f16|bf16")),
        },
        "normal" => match a.dtype.as_deref().unwrap_or("f32") {
            "f32" => {
                let v = match &gpu {
                    Some(g) => on_gpu::<f32>(g, n, |o| g.jax_normal(&key, cfg, o))?,
                    None => {
                        let mut v = vec![0f32; n];
                        match a.xla_log {
                            LogKernel::Auto => key.normal_f32_on(cfg, backend, &mut v)?,
                            LogKernel::Libm => key.normal_f32_with(cfg, XlaLog::Libm, &mut v)?,
                            LogKernel::Inline => {
                                key.normal_f32_with(cfg, XlaLog::Inline, &mut v)?
                            }
                        }
                        v
                    }
                };
                (F32, v.into_iter().map(|x| u64::from(x.to_bits())).collect())
            }
            "f64" => {
                let v = match &gpu {
                    Some(g) => on_gpu::<f64>(g, n, |o| g.jax_normal(&key, cfg, o))?,
                    None => {
                        let mut v = vec![0f64; n];
                        key.normal_f64_on(cfg, backend, &mut v)?;
                        v
                    }
                };
                (F64, v.into_iter().map(f64::to_bits).collect())
            }
            _ => return Err(bad_dtype("normal", "f32|f64")),
        },
        f => {
            return Err(jax_err(format!(
                "unknown function '{f}' (expected key|bits|uniform|normal)"
            )));
        }
    };
    let mut sink = Sink::open(&a.out, ty, bits.len() as u64)?;
    sink.put(&bits)?;
    sink.finish()
}

fn sys_err(system: &str, reason: String) -> Error {
    Error::Compat {
        system: system.into(),
        reason,
    }
}

/// Calls the command makes at most (the elements are held in memory).
const CURAND_MAX: u64 = 1 << 26;

fn curand(a: CurandArgs) -> Result<(), Error> {
    use cbrng::compat::curand::Philox4x32_10;
    if a.count > CURAND_MAX {
        return Err(sys_err(
            "curand",
            format!("--count {} is more than 2^26 calls", a.count),
        ));
    }
    // The position after the calls must stay inside the subsequence: 2^64
    // blocks of 4 values (curand4-based calls take a whole block).
    let per_call: u128 = match a.func.as_str() {
        "curand" | "uniform" | "uniform-double" | "normal" | "log-normal" => 1,
        "normal2" => 2,
        "uniform4" | "normal-double" => 4,
        f => {
            return Err(sys_err(
                "curand",
                format!(
                    "unknown function '{f}' (expected curand|uniform|uniform4|uniform-double|normal|normal2|normal-double|log-normal)"
                ),
            ));
        }
    };
    let end = u128::from(a.offset) + (u128::from(a.count) + 1) * per_call;
    if end > 4u128 << 64 {
        return Err(sys_err(
            "curand",
            format!(
                "{} calls from offset {} run past the end of the subsequence (2^66 values)",
                a.count, a.offset
            ),
        ));
    }
    if let Some(g) = a.engine.select(|g| g.prepare_compat())? {
        use cbrng::cuda::compat::CurandFn;
        let f = CurandFn::parse(&a.func)?;
        let n = (a.count * f.elements_per_call()) as usize;
        let (s, sub, off, c) = (a.seed, a.subsequence, a.offset, a.count);
        let (ty, bits): (OutType, Vec<u64>) = match a.func.as_str() {
            "curand" => (
                OutType {
                    bytes: 4,
                    descr: "<u4",
                },
                on_gpu::<u32>(&g, n, |o| {
                    g.curand_fill(f, s, sub, off, c, a.mean, a.std, o)
                })?
                .into_iter()
                .map(u64::from)
                .collect(),
            ),
            "uniform-double" | "normal-double" => (
                F64,
                on_gpu::<f64>(&g, n, |o| {
                    g.curand_fill(f, s, sub, off, c, a.mean, a.std, o)
                })?
                .into_iter()
                .map(f64::to_bits)
                .collect(),
            ),
            _ => (
                F32,
                on_gpu::<f32>(&g, n, |o| {
                    g.curand_fill(f, s, sub, off, c, a.mean, a.std, o)
                })?
                .into_iter()
                .map(|x| u64::from(x.to_bits()))
                .collect(),
            ),
        };
        let mut sink = Sink::open(&a.out, ty, bits.len() as u64)?;
        sink.put(&bits)?;
        return sink.finish();
    }
    let mut st = Philox4x32_10::init(a.seed, a.subsequence, a.offset);
    let n = a.count as usize;
    let f32_out = |v: Vec<f32>| {
        (
            F32,
            v.into_iter()
                .map(|x| u64::from(x.to_bits()))
                .collect::<Vec<u64>>(),
        )
    };
    let (ty, bits) = match a.func.as_str() {
        "curand" => (
            OutType {
                bytes: 4,
                descr: "<u4",
            },
            (0..n).map(|_| u64::from(st.next_u32())).collect(),
        ),
        "uniform" => f32_out((0..n).map(|_| st.uniform()).collect()),
        "uniform4" => f32_out((0..n).flat_map(|_| st.uniform4()).collect()),
        "normal" => f32_out((0..n).map(|_| st.normal()).collect()),
        "normal2" => f32_out((0..n).flat_map(|_| st.normal2()).collect()),
        "log-normal" => f32_out((0..n).map(|_| st.log_normal(a.mean, a.std)).collect()),
        "uniform-double" => (F64, (0..n).map(|_| st.uniform_double().to_bits()).collect()),
        _ => (F64, (0..n).map(|_| st.normal_double().to_bits()).collect()),
    };
    let mut sink = Sink::open(&a.out, ty, bits.len() as u64)?;
    sink.put(&bits)?;
    sink.finish()
}

fn torch(a: TorchArgs) -> Result<(), Error> {
    use cbrng::compat::torch::{Generator as TorchGen, Geometry, profile};
    let geometry = match (&a.device, a.sm_count, a.threads_per_sm) {
        (Some(d), _, _) => profile(d)?,
        (None, Some(sm_count), Some(threads_per_sm)) => Geometry {
            sm_count,
            threads_per_sm,
        },
        _ => {
            return Err(sys_err(
                "torch",
                "name a --device profile or give both --sm-count and --threads-per-sm".into(),
            ));
        }
    };
    if a.numel > 1 << 28 {
        return Err(sys_err(
            "torch",
            format!("--numel {} is more than 2^28", a.numel),
        ));
    }
    let n = a.numel as usize;
    let mut tg = TorchGen {
        seed: a.seed,
        offset: a.philox_offset,
    };
    let params = |spec: &str, k: usize| -> Result<Vec<f64>, Error> {
        let v: Vec<f64> = spec
            .split(',')
            .map(|x| x.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| sys_err("torch", format!("bad parameters '{spec}' in --op {}", a.op)))?;
        if v.len() != k {
            return Err(sys_err(
                "torch",
                format!("--op {} takes {k} parameter(s)", a.op),
            ));
        }
        Ok(v)
    };
    enum Op {
        Uniform(f64, f64),
        Normal(f64, f64),
        Bernoulli(f64),
        Dropout(f64),
    }
    let op = match a.op.split_once(':') {
        None if a.op == "rand" => Op::Uniform(0.0, 1.0),
        None if a.op == "randn" => Op::Normal(0.0, 1.0),
        Some(("uniform", p)) => {
            let v = params(p, 2)?;
            Op::Uniform(v[0], v[1])
        }
        Some(("normal", p)) => {
            let v = params(p, 2)?;
            if v[1].is_nan() || v[1] < 0.0 {
                return Err(sys_err(
                    "torch",
                    format!("normal: std {} must be >= 0", v[1]),
                ));
            }
            Op::Normal(v[0], v[1])
        }
        Some(("bernoulli", p)) => Op::Bernoulli(params(p, 1)?[0]),
        Some(("dropout-mask", p)) => Op::Dropout(params(p, 1)?[0]),
        _ => {
            return Err(sys_err(
                "torch",
                format!(
                    "unknown op '{}' (expected rand|randn|bernoulli:P|normal:M,S|uniform:A,B|dropout-mask:P)",
                    a.op
                ),
            ));
        }
    };
    let f16_out = OutType {
        bytes: 2,
        descr: "<f2",
    };
    let bf16_out = OutType {
        bytes: 2,
        descr: "<u2",
    };
    let bad_dtype = |d: &str| {
        sys_err(
            "torch",
            format!("unknown dtype '{d}' (expected f32|f64|f16|bf16)"),
        )
    };
    // Refuse what the CPU replay refuses before choosing the engine.
    match (&op, a.dtype.as_str()) {
        (Op::Bernoulli(_), "f32") => {}
        (Op::Bernoulli(_), d) => {
            return Err(sys_err(
                "torch",
                format!("bernoulli gives f32 here, not '{d}'"),
            ));
        }
        (_, "f32" | "f64" | "f16" | "bf16") => {}
        (_, d) => return Err(bad_dtype(d)),
    }
    if let Some(g) = a.engine.select(|g| g.prepare_compat())? {
        use cbrng::compat::torch::DropoutDType;
        use cbrng::cuda::compat::TorchOp;
        let top = match op {
            Op::Uniform(from, to) => TorchOp::Uniform { from, to },
            Op::Normal(mean, std) => TorchOp::Normal { mean, std },
            Op::Bernoulli(p) => TorchOp::Bernoulli { p },
            Op::Dropout(p) => TorchOp::DropoutMask {
                p,
                input: match a.dtype.as_str() {
                    "f32" => DropoutDType::F32,
                    "f64" => DropoutDType::F64,
                    "f16" => DropoutDType::F16,
                    _ => DropoutDType::BF16,
                },
            },
        };
        let (ty, bits): (OutType, Vec<u64>) = match (top, a.dtype.as_str()) {
            (TorchOp::DropoutMask { .. }, _) => (
                OutType {
                    bytes: 1,
                    descr: "|u1",
                },
                on_gpu::<u8>(&g, n, |o| g.torch_fill(&mut tg, geometry, top, o))?
                    .into_iter()
                    .map(u64::from)
                    .collect(),
            ),
            (_, "f64") => (
                F64,
                on_gpu::<f64>(&g, n, |o| g.torch_fill(&mut tg, geometry, top, o))?
                    .into_iter()
                    .map(f64::to_bits)
                    .collect(),
            ),
            (_, "f16") => (
                f16_out,
                on_gpu::<f16>(&g, n, |o| g.torch_fill(&mut tg, geometry, top, o))?
                    .into_iter()
                    .map(|x| u64::from(x.to_bits()))
                    .collect(),
            ),
            (_, "bf16") => (
                bf16_out,
                on_gpu::<bf16>(&g, n, |o| g.torch_fill(&mut tg, geometry, top, o))?
                    .into_iter()
                    .map(|x| u64::from(x.to_bits()))
                    .collect(),
            ),
            _ => (
                F32,
                on_gpu::<f32>(&g, n, |o| g.torch_fill(&mut tg, geometry, top, o))?
                    .into_iter()
                    .map(|x| u64::from(x.to_bits()))
                    .collect(),
            ),
        };
        let mut sink = Sink::open(&a.out, ty, bits.len() as u64)?;
        sink.put(&bits)?;
        return sink.finish();
    }
    let (ty, bits): (OutType, Vec<u64>) = match (op, a.dtype.as_str()) {
        (Op::Dropout(p), d) => {
            use cbrng::compat::torch::DropoutDType;
            let dt = match d {
                "f32" => DropoutDType::F32,
                "f64" => DropoutDType::F64,
                "f16" => DropoutDType::F16,
                "bf16" => DropoutDType::BF16,
                _ => {
                    return Err(sys_err(
                        "torch",
                        format!("unknown dtype '{d}' (expected f32|f64|f16|bf16)"),
                    ));
                }
            };
            let mut m = vec![0u8; n];
            tg.dropout_mask(geometry, p, dt, &mut m)?;
            (
                OutType {
                    bytes: 1,
                    descr: "|u1",
                },
                m.into_iter().map(u64::from).collect(),
            )
        }
        (Op::Bernoulli(p), "f32") => {
            let mut v = vec![0f32; n];
            tg.bernoulli_f32(geometry, p, &mut v)?;
            (F32, v.into_iter().map(|x| u64::from(x.to_bits())).collect())
        }
        (Op::Bernoulli(_), d) => {
            return Err(sys_err(
                "torch",
                format!("bernoulli gives f32 here, not '{d}'"),
            ));
        }
        (Op::Uniform(lo, hi), "f32") => {
            let mut v = vec![0f32; n];
            tg.uniform_f32(geometry, lo as f32, hi as f32, &mut v)?;
            (F32, v.into_iter().map(|x| u64::from(x.to_bits())).collect())
        }
        (Op::Uniform(lo, hi), "f64") => {
            let mut v = vec![0f64; n];
            tg.uniform_f64(geometry, lo, hi, &mut v)?;
            (F64, v.into_iter().map(f64::to_bits).collect())
        }
        (Op::Uniform(lo, hi), "f16") => {
            let mut v = vec![f16::ZERO; n];
            tg.uniform_f16(geometry, f16::from_f64(lo), f16::from_f64(hi), &mut v)?;
            (
                f16_out,
                v.into_iter().map(|x| u64::from(x.to_bits())).collect(),
            )
        }
        (Op::Uniform(lo, hi), "bf16") => {
            let mut v = vec![bf16::ZERO; n];
            tg.uniform_bf16(geometry, bf16::from_f64(lo), bf16::from_f64(hi), &mut v)?;
            (
                bf16_out,
                v.into_iter().map(|x| u64::from(x.to_bits())).collect(),
            )
        }
        (Op::Normal(m, s), "f32") => {
            let mut v = vec![0f32; n];
            tg.normal_f32(geometry, m as f32, s as f32, &mut v)?;
            (F32, v.into_iter().map(|x| u64::from(x.to_bits())).collect())
        }
        (Op::Normal(m, s), "f64") => {
            let mut v = vec![0f64; n];
            tg.normal_f64(geometry, m, s, &mut v)?;
            (F64, v.into_iter().map(f64::to_bits).collect())
        }
        (Op::Normal(m, s), "f16") => {
            let mut v = vec![f16::ZERO; n];
            tg.normal_f16(geometry, m as f32, s as f32, &mut v)?;
            (
                f16_out,
                v.into_iter().map(|x| u64::from(x.to_bits())).collect(),
            )
        }
        (Op::Normal(m, s), "bf16") => {
            let mut v = vec![bf16::ZERO; n];
            tg.normal_bf16(geometry, m as f32, s as f32, &mut v)?;
            (
                bf16_out,
                v.into_iter().map(|x| u64::from(x.to_bits())).collect(),
            )
        }
        (_, d) => {
            return Err(sys_err(
                "torch",
                format!("unknown dtype '{d}' (expected f32|f64|f16|bf16)"),
            ));
        }
    };
    let mut sink = Sink::open(&a.out, ty, bits.len() as u64)?;
    sink.put(&bits)?;
    sink.finish()
}

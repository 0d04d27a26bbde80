//! The compat streams on the GPU: the kernels of `kernels/compat/` (twins of
//! [`crate::compat`]) launched on the handle's stream into the caller's
//! device buffers.
//!
//! * [`Gpu::curand_fill`]: `count` calls of one cuRAND device-API function
//!   after `curand_init(seed, subsequence, offset)`, the sequence
//!   [`crate::compat::curand::Philox4x32_10`] makes on the CPU.
//! * [`Gpu::torch_fill`]: PyTorch's CUDA `rand`/`randn`/`bernoulli_`/
//!   dropout keep mask for a launch geometry, advancing the caller's
//!   [`torch::Generator`] as the CPU replay does.
//! * [`Gpu::jax_bits`], [`Gpu::jax_uniform`], [`Gpu::jax_normal`]:
//!   `jax.random.bits`, `uniform` and (XLA:GPU's arithmetic) `normal` for
//!   a key.
//! * The `_raw` forms of each ([`Gpu::curand_fill_raw`],
//!   [`Gpu::torch_fill_raw`], [`Gpu::jax_fill_raw`]) write through a raw
//!   device pointer, for callers without a cudarc buffer (Python's CUDA
//!   arrays).
//!
//! What equals the CPU bit for bit: every function whose device code is IEEE
//! arithmetic (cuRAND's raw draws and uniforms, torch's `rand`, `uniform`,
//! `bernoulli` and dropout masks, JAX's bits and uniforms). cuRAND's normal
//! and log-normal draws (and torch's `randn`, built on them) call CUDA's
//! `logf`, `log`, `expf`, `sincospi` and the special-function unit's
//! sine-cosine intrinsic, exactly as cuRAND's device code does: on the GPU
//! they are the real system's bits, which the CPU definition approximates
//! (see [`crate::compat::curand`]). The host twin
//! (`tests/compat_host_twin.rs`) checks all the other arithmetic of those
//! draws against the CPU bit for bit, with the CPU's math functions standing
//! in for the device's.

use super::gpu::gpu_err;
use super::{Gpu, nvrtc};
use crate::compat::jax::{self, Config, Key};
use crate::compat::torch::{self, DropoutDType, Geometry};
use crate::error::Error;
use cudarc::driver::{CudaFunction, DevicePtrMut, PushKernelArg, sys};
use half::{bf16, f16};
use std::collections::HashMap;
use std::sync::Arc;

/// The compat kernel sources, in include order, with their names under
/// `kernels/compat/`.
pub const COMPAT_SOURCES: &[(&str, &str)] = &[
    ("math.cuh", include_str!("../../kernels/compat/math.cuh")),
    (
        "constants.cuh",
        include_str!("../../kernels/compat/constants.cuh"),
    ),
    (
        "libdevice.cuh",
        include_str!("../../kernels/compat/libdevice.cuh"),
    ),
    (
        "curand.cuh",
        include_str!("../../kernels/compat/curand.cuh"),
    ),
    ("torch.cuh", include_str!("../../kernels/compat/torch.cuh")),
    ("jax.cuh", include_str!("../../kernels/compat/jax.cuh")),
    ("compat.cu", include_str!("../../kernels/compat/compat.cu")),
];

/// The body of the compat module for [`super::source::amalgamate`]: the
/// compat headers and kernels, their `#include` lines resolved by order.
pub fn compat_kernels() -> String {
    let mut s = String::new();
    for (name, text) in COMPAT_SOURCES {
        s.push_str(&format!("// ---- kernels/compat/{name}\n{text}\n"));
    }
    s
}

/// Every kernel of the compat module.
pub fn compat_kernel_names() -> Vec<String> {
    let mut v: Vec<String> = CurandFn::ALL
        .iter()
        .map(|f| format!("cbrng_compat_curand_{}", f.kernel_part()))
        .collect();
    for op in ["uniform", "normal"] {
        for dt in ["f32", "f64", "f16", "bf16"] {
            v.push(format!("cbrng_compat_torch_{op}_{dt}"));
        }
    }
    v.push("cbrng_compat_torch_bernoulli_f32".into());
    for dt in ["f32", "f64", "f16", "bf16"] {
        v.push(format!("cbrng_compat_torch_dropout_mask_{dt}"));
    }
    for f in [
        "bits_u8",
        "bits_u16",
        "bits_u32",
        "bits_u64",
        "uniform_f32",
        "uniform_f64",
        "uniform_f16",
        "uniform_bf16",
        "normal_f32",
        "normal_f64",
    ] {
        v.push(format!("cbrng_compat_jax_{f}"));
    }
    v
}

/// Calls of a cuRAND function one thread of the curand kernels makes
/// (`CBRNG_CURAND_CHUNK` in kernels/compat/curand.cuh).
pub const CURAND_CHUNK: u64 = 64;

/// The element types of the compat kernels' outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompatDType {
    /// u8
    U8,
    /// u16
    U16,
    /// u32
    U32,
    /// u64
    U64,
    /// IEEE half
    F16,
    /// bfloat16
    BF16,
    /// f32
    F32,
    /// f64
    F64,
}

impl CompatDType {
    /// Its name (`u8`, ..., `bf16`).
    pub fn name(self) -> &'static str {
        match self {
            CompatDType::U8 => "u8",
            CompatDType::U16 => "u16",
            CompatDType::U32 => "u32",
            CompatDType::U64 => "u64",
            CompatDType::F16 => "f16",
            CompatDType::BF16 => "bf16",
            CompatDType::F32 => "f32",
            CompatDType::F64 => "f64",
        }
    }
    /// The dtype [`CompatDType::name`] names.
    pub fn parse(name: &str) -> Result<CompatDType, Error> {
        const ALL: [CompatDType; 8] = [
            CompatDType::U8,
            CompatDType::U16,
            CompatDType::U32,
            CompatDType::U64,
            CompatDType::F16,
            CompatDType::BF16,
            CompatDType::F32,
            CompatDType::F64,
        ];
        ALL.into_iter().find(|d| d.name() == name).ok_or_else(|| {
            compat_err(
                "compat",
                format!("unknown output dtype '{name}' (expected u8|u16|u32|u64|f16|bf16|f32|f64)"),
            )
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            CompatDType::U8 => 1,
            CompatDType::U16 | CompatDType::F16 | CompatDType::BF16 => 2,
            CompatDType::U32 | CompatDType::F32 => 4,
            CompatDType::U64 | CompatDType::F64 => 8,
        }
    }
}

/// A Rust type a compat kernel can write.
pub trait CompatElement: bytemuck::Pod {
    /// Its dtype.
    const DTYPE: CompatDType;
}
macro_rules! compat_element {
    ($($t:ty => $d:ident),*) => {
        $(impl CompatElement for $t { const DTYPE: CompatDType = CompatDType::$d; })*
    };
}
compat_element!(u8 => U8, u16 => U16, u32 => U32, u64 => U64, f16 => F16, bf16 => BF16, f32 => F32, f64 => F64);

/// A cuRAND device-API function of `curandStatePhilox4_32_10_t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurandFn {
    /// `curand`: u32.
    Curand,
    /// `curand_uniform`: f32.
    Uniform,
    /// `curand_uniform4`: 4 f32 a call.
    Uniform4,
    /// `curand_uniform_double`: f64.
    UniformDouble,
    /// `curand_normal`: f32.
    Normal,
    /// `curand_normal2`: 2 f32 a call.
    Normal2,
    /// `curand_normal_double`: f64.
    NormalDouble,
    /// `curand_log_normal(mean, stddev)`: f32.
    LogNormal,
}

impl CurandFn {
    /// Every function, in the kernels' order.
    pub const ALL: [CurandFn; 8] = [
        CurandFn::Curand,
        CurandFn::Uniform,
        CurandFn::Uniform4,
        CurandFn::UniformDouble,
        CurandFn::Normal,
        CurandFn::Normal2,
        CurandFn::NormalDouble,
        CurandFn::LogNormal,
    ];

    /// The CLI's name (`curand`, `uniform`, ..., `log-normal`).
    pub fn name(self) -> &'static str {
        match self {
            CurandFn::Curand => "curand",
            CurandFn::Uniform => "uniform",
            CurandFn::Uniform4 => "uniform4",
            CurandFn::UniformDouble => "uniform-double",
            CurandFn::Normal => "normal",
            CurandFn::Normal2 => "normal2",
            CurandFn::NormalDouble => "normal-double",
            CurandFn::LogNormal => "log-normal",
        }
    }

    /// The function named `name` (as [`CurandFn::name`] writes it).
    pub fn parse(name: &str) -> Result<CurandFn, Error> {
        CurandFn::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::Compat {
                system: "curand".into(),
                reason: format!(
                    "unknown function '{name}' (expected curand|uniform|uniform4|uniform-double|normal|normal2|normal-double|log-normal)"
                ),
            })
    }

    fn kernel_part(self) -> &'static str {
        match self {
            CurandFn::Curand => "curand",
            CurandFn::Uniform => "uniform",
            CurandFn::Uniform4 => "uniform4",
            CurandFn::UniformDouble => "uniform_double",
            CurandFn::Normal => "normal",
            CurandFn::Normal2 => "normal2",
            CurandFn::NormalDouble => "normal_double",
            CurandFn::LogNormal => "log_normal",
        }
    }

    /// Elements one call gives.
    pub fn elements_per_call(self) -> u64 {
        match self {
            CurandFn::Uniform4 => 4,
            CurandFn::Normal2 => 2,
            _ => 1,
        }
    }

    /// The dtype of its elements.
    pub fn dtype(self) -> CompatDType {
        match self {
            CurandFn::Curand => CompatDType::U32,
            CurandFn::UniformDouble | CurandFn::NormalDouble => CompatDType::F64,
            _ => CompatDType::F32,
        }
    }

    /// 32-bit values of the subsequence one call moves past (the
    /// `curand4`-based calls take a whole block).
    pub fn values_per_call(self) -> u64 {
        match self {
            CurandFn::Normal2 => 2,
            CurandFn::Uniform4 | CurandFn::NormalDouble => 4,
            _ => 1,
        }
    }
}

/// One torch operation as [`Gpu::torch_fill`] makes it; parameters are
/// given as f64 and narrowed to the output's dtype as the CLI does
/// (`as f32` for f32 and for the normal's mean and std, `from_f64` for
/// f16/bf16 bounds).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TorchOp {
    /// `uniform_(from, to)` (`torch.rand` is 0, 1).
    Uniform {
        /// Lower bound.
        from: f64,
        /// Upper bound.
        to: f64,
    },
    /// `normal_(mean, std)` (`torch.randn` is 0, 1).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        std: f64,
    },
    /// `bernoulli_(p)` into f32.
    Bernoulli {
        /// Probability of 1.
        p: f64,
    },
    /// The keep mask (u8, 1 = kept) of `dropout(x, p)` for an input of dtype `input`.
    DropoutMask {
        /// Drop probability.
        p: f64,
        /// The input's dtype (it sets ATen's vector width).
        input: DropoutDType,
    },
}

fn compat_err(system: &str, reason: impl Into<String>) -> Error {
    Error::Compat {
        system: system.into(),
        reason: reason.into(),
    }
}

/// A curand launch: the kernel and its scalar arguments
/// (`cbrng_compat_curand_<fn>(out, seed, subsequence, offset, count, mean,
/// stddev)`), and the elements it writes.
#[derive(Clone, Debug, PartialEq)]
pub struct CurandLaunch {
    /// Kernel name.
    pub kernel: String,
    /// `curand_init`'s seed.
    pub seed: u64,
    /// Its subsequence.
    pub subsequence: u64,
    /// Its offset.
    pub offset: u64,
    /// Calls.
    pub count: u64,
    /// `curand_log_normal`'s mean.
    pub mean: f32,
    /// Its standard deviation.
    pub stddev: f32,
    /// Elements written (`count * f.elements_per_call()`).
    pub elements: u64,
    /// Work units (chunks of [`CURAND_CHUNK`] calls).
    pub units: u64,
}

/// The launch [`Gpu::curand_fill`] makes for `count` calls of `f` into
/// elements of `dtype`, or why it refuses: a dtype that is not `f`'s, or
/// calls that run past the end of the subsequence (2^66 values).
#[allow(clippy::too_many_arguments)]
pub fn curand_launch(
    f: CurandFn,
    dtype: CompatDType,
    seed: u64,
    subsequence: u64,
    offset: u64,
    count: u64,
    mean: f32,
    stddev: f32,
) -> Result<CurandLaunch, Error> {
    if dtype != f.dtype() {
        return Err(compat_err(
            "curand",
            format!(
                "{} gives {} elements, not {}",
                f.name(),
                f.dtype().name(),
                dtype.name()
            ),
        ));
    }
    let end = u128::from(offset) + (u128::from(count) + 1) * u128::from(f.values_per_call());
    if end > 4u128 << 64 {
        return Err(compat_err(
            "curand",
            format!(
                "{count} calls from offset {offset} run past the end of the subsequence (2^66 values)"
            ),
        ));
    }
    let elements = count
        .checked_mul(f.elements_per_call())
        .ok_or_else(|| compat_err("curand", format!("{count} calls: too many elements")))?;
    Ok(CurandLaunch {
        kernel: format!("cbrng_compat_curand_{}", f.kernel_part()),
        seed,
        subsequence,
        offset,
        count,
        mean,
        stddev,
        elements,
        units: count.div_ceil(CURAND_CHUNK),
    })
}

/// A torch launch: the kernel and its scalar arguments
/// (`cbrng_compat_torch_<op>_<dtype>(out, numel, seed, offset, stride,
/// rounds, a, b, vec)`), and the generator's state after it.
#[derive(Clone, Debug, PartialEq)]
pub struct TorchLaunch {
    /// Kernel name.
    pub kernel: String,
    /// Elements.
    pub numel: u64,
    /// The generator's seed.
    pub seed: u64,
    /// Its philox offset for this call.
    pub offset: u64,
    /// ATen's threads: 256 × its grid (the work units).
    pub stride: u64,
    /// Rounds a thread runs.
    pub rounds: u64,
    /// uniform: from; normal: mean; bernoulli, dropout: p (in the output's precision).
    pub a: f64,
    /// uniform: to; normal: std.
    pub b: f64,
    /// dropout: ATen's vector size; otherwise 1.
    pub vec: u64,
    /// The generator after the call.
    pub next: torch::Generator,
}

/// What [`Gpu::torch_fill`] does for `op` on `numel` elements of `dtype`:
/// `None` when nothing is drawn (a dropout mask of no elements, or of
/// p = 1: all zero, the generator unchanged), else the launch. Errors as the
/// CPU replay's: bounds, p outside [0, 1], no elements, 0 SMs, an offset
/// past 2^64, a dtype the op does not write.
pub fn torch_launch(
    generator: &torch::Generator,
    g: Geometry,
    op: TorchOp,
    dtype: CompatDType,
    numel: u64,
) -> Result<Option<TorchLaunch>, Error> {
    use CompatDType as C;
    let dt = dtype;
    let wrong = |allowed: &str| {
        compat_err(
            "torch",
            format!("this op writes {allowed}, not {}", dt.name()),
        )
    };
    let float = matches!(dt, C::F32 | C::F64 | C::F16 | C::BF16);
    // ATen's unroll: 2 for double (curand_uniform2_double /
    // curand_normal2_double), 4 otherwise (dropout masks are u8: 4).
    let unroll = if dt == C::F64 { 2 } else { 4 };
    let (name, a, b, vec) = match op {
        TorchOp::Uniform { from, to } => {
            let narrow = |x: f64| match dt {
                C::F32 => f64::from(x as f32),
                C::F16 => f16::from_f64(x).to_f64(),
                C::BF16 => bf16::from_f64(x).to_f64(),
                _ => x,
            };
            let (from, to) = (narrow(from), narrow(to));
            if !(from.is_finite() && to.is_finite() && from <= to) {
                return Err(compat_err(
                    "torch",
                    format!(
                        "uniform: expects a finite range with from <= to, got from={from}, to={to}"
                    ),
                ));
            }
            if !float {
                return Err(wrong("f32, f64, f16 or bf16"));
            }
            (format!("uniform_{}", dt.name()), from, to, 1)
        }
        TorchOp::Normal { mean, std } => {
            if !float {
                return Err(wrong("f32, f64, f16 or bf16"));
            }
            let (mean, std) = if dt == C::F64 {
                (mean, std)
            } else {
                (f64::from(mean as f32), f64::from(std as f32))
            };
            (format!("normal_{}", dt.name()), mean, std, 1)
        }
        TorchOp::Bernoulli { p } => {
            if !(0.0..=1.0).contains(&p) {
                return Err(compat_err(
                    "torch",
                    format!("bernoulli: p = {p} is outside [0, 1]"),
                ));
            }
            if dt != C::F32 {
                return Err(wrong("f32"));
            }
            ("bernoulli_f32".to_string(), p, 0.0, 1)
        }
        TorchOp::DropoutMask { p, input } => {
            if !(0.0..=1.0).contains(&p) {
                return Err(compat_err(
                    "torch",
                    format!("dropout: p = {p} is outside [0, 1]"),
                ));
            }
            if dt != C::U8 {
                return Err(wrong("u8"));
            }
            if numel == 0 || p == 1.0 {
                return Ok(None);
            }
            let dname = match input {
                DropoutDType::F32 => "f32",
                DropoutDType::F64 => "f64",
                DropoutDType::F16 => "f16",
                DropoutDType::BF16 => "bf16",
            };
            (
                format!("dropout_mask_{dname}"),
                p,
                0.0,
                input.vector_size(numel),
            )
        }
    };
    let pol = torch::calc_execution_policy(numel, unroll, g)?;
    let mut next = *generator;
    let (seed, offset) = next.philox_cuda_state(pol.counter_offset)?;
    Ok(Some(TorchLaunch {
        kernel: format!("cbrng_compat_torch_{name}"),
        numel,
        seed,
        offset,
        stride: torch::BLOCK_SIZE * pol.grid,
        rounds: pol.rounds,
        a,
        b,
        vec,
        next,
    }))
}

/// What a JAX kernel draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JaxFn {
    /// `jax.random.bits`.
    Bits,
    /// `jax.random.uniform`.
    Uniform,
    /// `jax.random.normal` with XLA:GPU's arithmetic
    /// ([`crate::compat::jax::Backend::Gpu`]): f32 and f64.
    Normal,
}

/// A JAX launch: the kernel and its scalar arguments
/// (`cbrng_compat_jax_<fn>_<dtype>(out, k0, k1, n, partitionable)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JaxLaunch {
    /// Kernel name.
    pub kernel: String,
    /// The key's words.
    pub key: [u32; 2],
    /// Elements (the work units).
    pub n: u64,
    /// `jax_threefry_partitionable`.
    pub partitionable: u32,
}

/// The launch [`Gpu::jax_bits`] / [`Gpu::jax_uniform`] make for `n`
/// elements of `dtype`, or the CPU definition's refusal (a dtype the
/// function does not make, 64 bits without x64, a non-partitionable draw
/// past 2^32-2 words).
pub fn jax_launch(
    f: JaxFn,
    dtype: CompatDType,
    key: &Key,
    cfg: Config,
    n: u64,
) -> Result<JaxLaunch, Error> {
    use CompatDType as C;
    let (name, width) = match (f, dtype) {
        (JaxFn::Bits, C::U8) => ("bits_u8", 8u64),
        (JaxFn::Bits, C::U16) => ("bits_u16", 16),
        (JaxFn::Bits, C::U32) => ("bits_u32", 32),
        (JaxFn::Bits, C::U64) => ("bits_u64", 64),
        (JaxFn::Uniform, C::F32) => ("uniform_f32", 32),
        (JaxFn::Uniform, C::F64) => ("uniform_f64", 64),
        (JaxFn::Uniform, C::F16) => ("uniform_f16", 16),
        (JaxFn::Uniform, C::BF16) => ("uniform_bf16", 8),
        (JaxFn::Normal, C::F32) => ("normal_f32", 32),
        (JaxFn::Normal, C::F64) => ("normal_f64", 64),
        (JaxFn::Bits, d) => {
            return Err(compat_err(
                "jax",
                format!(
                    "bits cannot produce dtype '{}' (expected u8|u16|u32|u64)",
                    d.name()
                ),
            ));
        }
        (JaxFn::Uniform, d) => {
            return Err(compat_err(
                "jax",
                format!(
                    "uniform cannot produce dtype '{}' (expected f32|f64|f16|bf16)",
                    d.name()
                ),
            ));
        }
        (JaxFn::Normal, d) => {
            return Err(compat_err(
                "jax",
                format!(
                    "normal cannot produce dtype '{}' (expected f32|f64)",
                    d.name()
                ),
            ));
        }
    };
    if width == 64 && !cfg.x64 {
        return Err(compat_err(
            "jax",
            "64-bit dtypes need jax_enable_x64 (--x64 true)",
        ));
    }
    if !cfg.partitionable {
        let m = (u128::from(width) * u128::from(n)).div_ceil(32);
        if m > u128::from(jax::MAX_ORIGINAL_WORDS) {
            return Err(compat_err(
                "jax",
                format!(
                    "{n} elements of {width} bits need {m} words: past 2^32-2, where JAX (partitionable=false) changes method; not reproduced"
                ),
            ));
        }
    }
    Ok(JaxLaunch {
        kernel: format!("cbrng_compat_jax_{name}"),
        key: key.data(),
        n,
        partitionable: u32::from(cfg.partitionable),
    })
}

/// The compat module's kernels by name, loaded into one context.
struct CompatKernels(HashMap<String, CudaFunction>);

impl Gpu {
    /// Compiles (NVRTC) and loads the compat kernels now, unless this
    /// context already has them; the first compat call does this otherwise.
    pub fn prepare_compat(&self) -> Result<(), Error> {
        self.compat_kernels().map(|_| ())
    }

    fn compat_kernels(&self) -> Result<Arc<CompatKernels>, Error> {
        self.kernels_with_options("compat", compat_kernels, compat_options, |module| {
            let mut m = HashMap::new();
            for name in compat_kernel_names() {
                let f = module
                    .load_function(&name)
                    .map_err(|e| gpu_err(&format!("no kernel {name}"), e))?;
                m.insert(name, f);
            }
            Ok(CompatKernels(m))
        })
    }

    fn compat_function(&self, name: &str) -> Result<CudaFunction, Error> {
        let k = self.compat_kernels()?;
        k.0.get(name)
            .cloned()
            .ok_or_else(|| gpu_err("compat module", format!("no kernel {name}")))
    }

    /// Checks an output of `len` elements of `dtype` at `ptr` where the
    /// launch writes `want`: the length, and (when anything is written) that
    /// `ptr` is aligned device memory of this context.
    fn check_compat_out(
        &self,
        dtype: CompatDType,
        ptr: sys::CUdeviceptr,
        len: usize,
        want: u64,
    ) -> Result<(), Error> {
        if len as u64 != want {
            return Err(Error::LengthMismatch {
                what: "compat output".into(),
                got: len,
                want: usize::try_from(want).unwrap_or(usize::MAX),
            });
        }
        if want > 0 {
            self.check_buffer("output", ptr, dtype.size())?;
        }
        Ok(())
    }

    /// `count` calls of cuRAND's `f` after `curand_init(seed, subsequence,
    /// offset)` into `out` (`count * f.elements_per_call()` elements of
    /// `f.dtype()`), as [`crate::compat::curand::Philox4x32_10`] makes them
    /// one by one. `mean` and `stddev` are `curand_log_normal`'s (ignored
    /// otherwise). Queued on this handle's stream, no sync. Errors: see
    /// [`curand_launch`]; an output of another length.
    #[allow(clippy::too_many_arguments)]
    pub fn curand_fill<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        f: CurandFn,
        seed: u64,
        subsequence: u64,
        offset: u64,
        count: u64,
        mean: f32,
        stddev: f32,
        out: &mut D,
    ) -> Result<(), Error> {
        let len = out.len();
        let (ptr, _record) = out.device_ptr_mut(&self.stream);
        // SAFETY: `ptr` addresses `len` elements of T (T::DTYPE), allocated
        // while `_record` lives, past the queued launch.
        unsafe {
            self.curand_fill_raw(
                f,
                seed,
                subsequence,
                offset,
                count,
                mean,
                stddev,
                T::DTYPE,
                ptr,
                len,
            )
        }
    }

    /// [`Gpu::curand_fill`] into raw device memory: `len` elements of
    /// `dtype` at `ptr` (for callers that hold a pointer, not a cudarc
    /// buffer: the Python package's CUDA arrays).
    ///
    /// # Safety
    /// `ptr` must address at least `len * dtype.size()` writable bytes of
    /// device memory, in this handle's context, that stay allocated until
    /// the kernel has run.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn curand_fill_raw(
        &self,
        f: CurandFn,
        seed: u64,
        subsequence: u64,
        offset: u64,
        count: u64,
        mean: f32,
        stddev: f32,
        dtype: CompatDType,
        ptr: sys::CUdeviceptr,
        len: usize,
    ) -> Result<(), Error> {
        let l = curand_launch(f, dtype, seed, subsequence, offset, count, mean, stddev)?;
        self.check_compat_out(dtype, ptr, len, l.elements)?;
        if l.count == 0 {
            return Ok(());
        }
        let k = self.compat_function(&l.kernel)?;
        let cfg = self.grid_stride_config(l.units);
        let mut b = self.stream.launch_builder(&k);
        b.arg(&ptr)
            .arg(&l.seed)
            .arg(&l.subsequence)
            .arg(&l.offset)
            .arg(&l.count)
            .arg(&l.mean)
            .arg(&l.stddev);
        // SAFETY: the arguments match cbrng_compat_curand_<fn> in
        // kernels/compat/compat.cu (out, seed, subsequence, offset, count,
        // mean, stddev); `ptr` addresses l.elements elements of the kernel's
        // dtype (checked above, and the caller's promise).
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(|e| gpu_err(&format!("launching curand {}", f.name()), e))
    }

    /// PyTorch's CUDA kernel for `op` on a tensor of `out.len()` elements
    /// launched with geometry `g`, as [`torch::Generator`] replays it on the
    /// CPU: the same elements, and `generator`'s philox offset moves the
    /// same way (only once the launch is queued). Output dtypes: f32, f64,
    /// f16, bf16 for `Uniform` and `Normal`, f32 for `Bernoulli`, u8 for
    /// `DropoutMask`. Queued on this handle's stream, no sync. Errors: see
    /// [`torch_launch`].
    pub fn torch_fill<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        generator: &mut torch::Generator,
        g: Geometry,
        op: TorchOp,
        out: &mut D,
    ) -> Result<(), Error> {
        let len = out.len();
        let (ptr, _record) = out.device_ptr_mut(&self.stream);
        // SAFETY: `ptr` addresses `len` elements of T (T::DTYPE), allocated
        // while `_record` lives, past the queued launch.
        unsafe { self.torch_fill_raw(generator, g, op, T::DTYPE, ptr, len) }
    }

    /// [`Gpu::torch_fill`] into raw device memory: a tensor of `len`
    /// elements of `dtype` at `ptr`.
    ///
    /// # Safety
    /// `ptr` must address at least `len * dtype.size()` writable bytes of
    /// device memory, in this handle's context, that stay allocated until
    /// the kernel has run.
    pub unsafe fn torch_fill_raw(
        &self,
        generator: &mut torch::Generator,
        g: Geometry,
        op: TorchOp,
        dtype: CompatDType,
        ptr: sys::CUdeviceptr,
        len: usize,
    ) -> Result<(), Error> {
        let n = len as u64;
        let plan = torch_launch(generator, g, op, dtype, n)?;
        self.check_compat_out(dtype, ptr, len, n)?;
        let Some(l) = plan else {
            if n == 0 {
                return Ok(());
            }
            // A dropout mask of p = 1 (ATen's short cut): nothing kept.
            self.context()
                .bind_to_thread()
                .map_err(|e| gpu_err("binding the context", e))?;
            // SAFETY: `ptr` addresses n bytes (checked above, and the
            // caller's promise).
            return unsafe {
                cudarc::driver::result::memset_d8_async(ptr, 0, len, self.stream.cu_stream())
            }
            .map_err(|e| gpu_err("clearing the dropout mask", e));
        };
        let k = self.compat_function(&l.kernel)?;
        let cfg = self.grid_stride_config(l.stride);
        let mut b = self.stream.launch_builder(&k);
        b.arg(&ptr)
            .arg(&l.numel)
            .arg(&l.seed)
            .arg(&l.offset)
            .arg(&l.stride)
            .arg(&l.rounds)
            .arg(&l.a)
            .arg(&l.b)
            .arg(&l.vec);
        // SAFETY: the arguments match cbrng_compat_torch_<name> in
        // kernels/compat/compat.cu (out, numel, seed, offset, stride, rounds,
        // a, b, vec); `ptr` addresses numel elements of the kernel's dtype.
        unsafe { b.launch(cfg) }.map_err(|e| gpu_err(&format!("launching {}", l.kernel), e))?;
        *generator = l.next;
        Ok(())
    }

    /// `jax.random.bits(key, shape, dtype)` for `out.len()` elements (u8,
    /// u16, u32, u64), as [`Key::bits_u32`] and friends make them.
    pub fn jax_bits<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        key: &Key,
        cfg: Config,
        out: &mut D,
    ) -> Result<(), Error> {
        self.launch_jax(JaxFn::Bits, key, cfg, out)
    }

    /// `jax.random.uniform(key, shape, dtype)` for `out.len()` elements
    /// (f32, f64, f16, bf16), as [`Key::uniform_f32`] and friends make them.
    pub fn jax_uniform<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        key: &Key,
        cfg: Config,
        out: &mut D,
    ) -> Result<(), Error> {
        self.launch_jax(JaxFn::Uniform, key, cfg, out)
    }

    /// `jax.random.normal(key, shape, dtype)` for `out.len()` elements (f32,
    /// f64; f64 needs x64) as XLA:GPU computes it on an NVIDIA GPU: the
    /// CPU's [`Key::normal_f32_on`] / [`Key::normal_f64_on`] with
    /// [`crate::compat::jax::Backend::Gpu`]. The kernel calls the two
    /// hardware approximations XLA's code calls (`sqrt.approx.f32` in the
    /// f32 tail |u| > 0.99663, `rcp.approx.ftz.f64` seeding libdevice's
    /// `log1p`), so there it gives JAX's own bits where the CPU models them
    /// (see [`crate::compat::jax`]); every other step is IEEE arithmetic and
    /// equals the CPU bit for bit (`tests/compat_host_twin.rs`). XLA:CPU's
    /// arithmetic (`Backend::Cpu`, whose `log` is the C library's) has no
    /// device kernel.
    pub fn jax_normal<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        key: &Key,
        cfg: Config,
        out: &mut D,
    ) -> Result<(), Error> {
        self.launch_jax(JaxFn::Normal, key, cfg, out)
    }

    fn launch_jax<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        f: JaxFn,
        key: &Key,
        cfg: Config,
        out: &mut D,
    ) -> Result<(), Error> {
        let len = out.len();
        let (ptr, _record) = out.device_ptr_mut(&self.stream);
        // SAFETY: `ptr` addresses `len` elements of T (T::DTYPE), allocated
        // while `_record` lives, past the queued launch.
        unsafe { self.jax_fill_raw(f, key, cfg, T::DTYPE, ptr, len) }
    }

    /// [`Gpu::jax_bits`], [`Gpu::jax_uniform`] or [`Gpu::jax_normal`] (by
    /// `f`) into raw device memory: `len` elements of `dtype` at `ptr`.
    ///
    /// # Safety
    /// `ptr` must address at least `len * dtype.size()` writable bytes of
    /// device memory, in this handle's context, that stay allocated until
    /// the kernel has run.
    pub unsafe fn jax_fill_raw(
        &self,
        f: JaxFn,
        key: &Key,
        cfg: Config,
        dtype: CompatDType,
        ptr: sys::CUdeviceptr,
        len: usize,
    ) -> Result<(), Error> {
        let n = len as u64;
        let l = jax_launch(f, dtype, key, cfg, n)?;
        self.check_compat_out(dtype, ptr, len, n)?;
        if n == 0 {
            return Ok(());
        }
        let k = self.compat_function(&l.kernel)?;
        let launch = self.grid_stride_config(n);
        let mut b = self.stream.launch_builder(&k);
        b.arg(&ptr)
            .arg(&l.key[0])
            .arg(&l.key[1])
            .arg(&l.n)
            .arg(&l.partitionable);
        // SAFETY: the arguments match cbrng_compat_jax_<fn>_<dtype> in
        // kernels/compat/compat.cu (out, k0, k1, n, partitionable); `ptr`
        // addresses n elements of the kernel's dtype (checked above, and the
        // caller's promise).
        unsafe { b.launch(launch) }
            .map(|_| ())
            .map_err(|e| gpu_err(&format!("launching {}", l.kernel), e))
    }
}

/// The NVRTC options of the compat module: cbrng's own
/// ([`nvrtc::kernel_options`]: IEEE division and square root, no
/// flush-to-zero) but with `--fmad=true`, nvcc's default, which cuRAND's and
/// PyTorch's device code is built with. Every operation of the compat
/// kernels themselves is an explicit round-to-nearest intrinsic or FMA, which
/// the flag does not change (`tests/kernel_compile.rs` checks: with the math
/// functions replaced by integer stand-ins the PTX is the same under both
/// settings); what it changes is how CUDA's own `logf`, `log`, `expf` and
/// `sincospi` (libdevice, plain operations that ptxas may fuse under
/// `--fmad=true`) are compiled, and there the compat kernels must be built as
/// the reproduced system is.
pub fn compat_options(arch: &str) -> Vec<String> {
    nvrtc::kernel_options::<&str, &str>(arch, &[])
        .into_iter()
        .map(|o| {
            if o == "--fmad=false" {
                "--fmad=true".to_string()
            } else {
                o
            }
        })
        .collect()
}

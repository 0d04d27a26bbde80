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
//! * [`Gpu::jax_bits`], [`Gpu::jax_uniform`]: `jax.random.bits` and
//!   `uniform` for a key.
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
use cudarc::driver::{CudaFunction, DevicePtrMut, PushKernelArg, SyncOnDrop, sys};
use half::{bf16, f16};
use std::collections::HashMap;
use std::sync::Arc;

/// The compat kernel sources, in include order, with their names under
/// `kernels/compat/`.
pub const COMPAT_SOURCES: &[(&str, &str)] = &[
    ("math.cuh", include_str!("../../kernels/compat/math.cuh")),
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

    /// The output buffer's pointer, checked: its length is `want` elements
    /// of `T`, aligned, in this context.
    /// Keep the returned record until the launch is queued.
    fn compat_out<'a, T: CompatElement, D: DevicePtrMut<T>>(
        &'a self,
        out: &'a mut D,
        want: u64,
    ) -> Result<(sys::CUdeviceptr, SyncOnDrop<'a>), Error> {
        if out.len() as u64 != want {
            return Err(Error::LengthMismatch {
                what: "compat output".into(),
                got: out.len(),
                want: want as usize,
            });
        }
        let (ptr, record) = out.device_ptr_mut(&self.stream);
        if want > 0 {
            self.check_buffer("output", ptr, T::DTYPE.size())?;
        }
        Ok((ptr, record))
    }

    /// `count` calls of cuRAND's `f` after `curand_init(seed, subsequence,
    /// offset)` into `out` (`count * f.elements_per_call()` elements of
    /// `f.dtype()`), as [`crate::compat::curand::Philox4x32_10`] makes them
    /// one by one. `mean` and `stddev` are `curand_log_normal`'s (ignored
    /// otherwise). Queued on this handle's stream, no sync. Errors: a dtype
    /// or length that does not match, and calls that run past the end of
    /// the subsequence (2^66 values).
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
        if T::DTYPE != f.dtype() {
            return Err(compat_err(
                "curand",
                format!(
                    "{} gives {} elements, not {}",
                    f.name(),
                    f.dtype().name(),
                    T::DTYPE.name()
                ),
            ));
        }
        let elements = count
            .checked_mul(f.elements_per_call())
            .filter(|&e| e < 1 << 62)
            .ok_or_else(|| compat_err("curand", format!("{count} calls are too many")))?;
        let end = u128::from(offset) + (u128::from(count) + 1) * u128::from(f.values_per_call());
        if end > 4u128 << 64 {
            return Err(compat_err(
                "curand",
                format!(
                    "{count} calls from offset {offset} run past the end of the subsequence (2^66 values)"
                ),
            ));
        }
        let (ptr, _record) = self.compat_out(out, elements)?;
        if count == 0 {
            return Ok(());
        }
        let k = self.compat_function(&format!("cbrng_compat_curand_{}", f.kernel_part()))?;
        let cfg = self.grid_stride_config(count.div_ceil(CURAND_CHUNK));
        let mut b = self.stream.launch_builder(&k);
        b.arg(&ptr)
            .arg(&seed)
            .arg(&subsequence)
            .arg(&offset)
            .arg(&count)
            .arg(&mean)
            .arg(&stddev);
        // SAFETY: the arguments match cbrng_compat_curand_<fn> in
        // kernels/compat/compat.cu (out, seed, subsequence, offset, count,
        // mean, stddev); `ptr` addresses count * elements_per_call elements
        // of the kernel's dtype (checked above).
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(|e| gpu_err(&format!("launching curand {}", f.name()), e))
    }

    /// PyTorch's CUDA kernel for `op` on a tensor of `out.len()` elements
    /// launched with geometry `g`, as [`torch::Generator`] replays it on the
    /// CPU: the same elements, and `generator`'s philox offset moves the same way
    /// (only when the launch is queued). Output dtypes: f32, f64, f16, bf16
    /// for `Uniform` and `Normal`, f32 for `Bernoulli`, u8 for
    /// `DropoutMask`. Queued on this handle's stream, no sync.
    pub fn torch_fill<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        generator: &mut torch::Generator,
        g: Geometry,
        op: TorchOp,
        out: &mut D,
    ) -> Result<(), Error> {
        use CompatDType as C;
        let dt = T::DTYPE;
        let n = out.len() as u64;
        let wrong = |allowed: &str| {
            compat_err(
                "torch",
                format!("this op writes {allowed}, not {}", dt.name()),
            )
        };
        // Kernel name, unroll, the two parameters as the kernel takes them,
        // the dropout vector size.
        let (name, unroll, pa, pb, vec) = match op {
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
                let unroll = if dt == C::F64 { 2 } else { 4 };
                match dt {
                    C::F32 | C::F64 | C::F16 | C::BF16 => {}
                    _ => return Err(wrong("f32, f64, f16 or bf16")),
                }
                (format!("uniform_{}", dt.name()), unroll, from, to, 1)
            }
            TorchOp::Normal { mean, std } => {
                let (mean, std) = if dt == C::F64 {
                    (mean, std)
                } else {
                    (f64::from(mean as f32), f64::from(std as f32))
                };
                let unroll = if dt == C::F64 { 2 } else { 4 };
                match dt {
                    C::F32 | C::F64 | C::F16 | C::BF16 => {}
                    _ => return Err(wrong("f32, f64, f16 or bf16")),
                }
                (format!("normal_{}", dt.name()), unroll, mean, std, 1)
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
                ("bernoulli_f32".to_string(), 4, p, 0.0, 1)
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
                if p == 1.0 {
                    let (ptr, _record) = self.compat_out(out, n)?;
                    if n == 0 {
                        return Ok(());
                    }
                    // ATen's short cut: nothing drawn, nothing kept.
                    self.context()
                        .bind_to_thread()
                        .map_err(|e| gpu_err("binding the context", e))?;
                    // SAFETY: `ptr` addresses n bytes (checked above).
                    return unsafe {
                        cudarc::driver::result::memset_d8_async(
                            ptr,
                            0,
                            n as usize,
                            self.stream.cu_stream(),
                        )
                    }
                    .map_err(|e| gpu_err("clearing the dropout mask", e));
                }
                let dname = match input {
                    DropoutDType::F32 => "f32",
                    DropoutDType::F64 => "f64",
                    DropoutDType::F16 => "f16",
                    DropoutDType::BF16 => "bf16",
                };
                (
                    format!("dropout_mask_{dname}"),
                    4,
                    p,
                    0.0,
                    input.vector_size(n),
                )
            }
        };
        if n == 0 && matches!(op, TorchOp::DropoutMask { .. }) {
            return Ok(()); // nothing drawn, the offset stays
        }
        let (ptr, _record) = self.compat_out(out, n)?;
        let pol = torch::calc_execution_policy(n, unroll, g)?;
        let mut next = *generator;
        let (seed, offset) = next.philox_cuda_state(pol.counter_offset)?;
        let stride = torch::BLOCK_SIZE * pol.grid;
        let k = self.compat_function(&format!("cbrng_compat_torch_{name}"))?;
        let cfg = self.grid_stride_config(stride);
        let rounds = pol.rounds;
        let mut b = self.stream.launch_builder(&k);
        b.arg(&ptr)
            .arg(&n)
            .arg(&seed)
            .arg(&offset)
            .arg(&stride)
            .arg(&rounds)
            .arg(&pa)
            .arg(&pb)
            .arg(&vec);
        // SAFETY: the arguments match cbrng_compat_torch_<name> in
        // kernels/compat/compat.cu (out, numel, seed, offset, stride, rounds,
        // a, b, vec); `ptr` addresses n elements of the kernel's dtype.
        unsafe { b.launch(cfg) }.map_err(|e| gpu_err(&format!("launching torch {name}"), e))?;
        *generator = next;
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
        let (name, width) = match T::DTYPE {
            CompatDType::U8 => ("bits_u8", 8),
            CompatDType::U16 => ("bits_u16", 16),
            CompatDType::U32 => ("bits_u32", 32),
            CompatDType::U64 => ("bits_u64", 64),
            d => {
                return Err(compat_err(
                    "jax",
                    format!(
                        "bits cannot produce dtype '{}' (expected u8|u16|u32|u64)",
                        d.name()
                    ),
                ));
            }
        };
        self.launch_jax(name, width, key, cfg, out)
    }

    /// `jax.random.uniform(key, shape, dtype)` for `out.len()` elements
    /// (f32, f64, f16, bf16), as [`Key::uniform_f32`] and friends make them.
    pub fn jax_uniform<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        key: &Key,
        cfg: Config,
        out: &mut D,
    ) -> Result<(), Error> {
        let (name, width) = match T::DTYPE {
            CompatDType::F32 => ("uniform_f32", 32),
            CompatDType::F64 => ("uniform_f64", 64),
            CompatDType::F16 => ("uniform_f16", 16),
            CompatDType::BF16 => ("uniform_bf16", 8),
            d => {
                return Err(compat_err(
                    "jax",
                    format!(
                        "uniform cannot produce dtype '{}' (expected f32|f64|f16|bf16)",
                        d.name()
                    ),
                ));
            }
        };
        self.launch_jax(name, width, key, cfg, out)
    }

    /// The JAX kernel `name` drawing `width`-bit values: the CPU
    /// definition's checks, then the launch.
    fn launch_jax<T: CompatElement, D: DevicePtrMut<T>>(
        &self,
        name: &str,
        width: u64,
        key: &Key,
        cfg: Config,
        out: &mut D,
    ) -> Result<(), Error> {
        let n = out.len() as u64;
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
        let (ptr, _record) = self.compat_out(out, n)?;
        if n == 0 {
            return Ok(());
        }
        let k = self.compat_function(&format!("cbrng_compat_jax_{name}"))?;
        let launch = self.grid_stride_config(n);
        let [k0, k1] = key.data();
        let part = u32::from(cfg.partitionable);
        let mut b = self.stream.launch_builder(&k);
        b.arg(&ptr).arg(&k0).arg(&k1).arg(&n).arg(&part);
        // SAFETY: the arguments match cbrng_compat_jax_<name> in
        // kernels/compat/compat.cu (out, k0, k1, n, partitionable); `ptr`
        // addresses n elements of the kernel's dtype.
        unsafe { b.launch(launch) }
            .map(|_| ())
            .map_err(|e| gpu_err(&format!("launching jax {name}"), e))
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

//! The GPU engine: a handle on a CUDA context and stream, the fill kernels
//! compiled by NVRTC once per (context, generator, round count) and cached,
//! and fills into the caller's device buffers, queued on the handle's stream.

use super::check::{CrossCheck, compare_bytes};
use super::{kernels, nvrtc, source};
use crate::dist::{Distribution, Element, Prepared};
use crate::error::Error;
use crate::generator::Algorithm;
use crate::stream::Stream;
use cudarc::driver::{
    CudaContext, CudaFunction, CudaModule, CudaStream, DevicePtr, DevicePtrMut, LaunchConfig,
    PushKernelArg, result, sys,
};
use cudarc::nvrtc::Ptx;
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Device kernels address stream elements by u64 index, so a device range
/// `[offset, offset + count)` must end at or before element 2^64 (this
/// value): every element whose index fits in a u64 can be made on the GPU.
/// Streams are longer (a 4x32 stream holds 2^66 u32 elements); elements at
/// 2^64 and beyond are made on the CPU ([`Stream::fill`]).
pub const DEVICE_INDEX_LIMIT: u128 = 1 << 64;

/// Threads per block of the fill kernels.
pub(super) const THREADS: u32 = 256;
/// Resident blocks per multiprocessor the grid is sized for (grid-stride loop beyond).
pub(super) const BLOCKS_PER_SM: u32 = 32;

pub(crate) fn gpu_err(what: &str, e: impl std::fmt::Debug) -> Error {
    Error::Gpu {
        reason: format!("{what}: {e:?}"),
    }
}

/// A dtype a device fill can write; the Rust element types of [`DType`](crate::dist::DType).
pub trait DeviceElement: Element {}
impl<T: Element> DeviceElement for T {}

/// One generator's fill and KAT kernels, loaded into one context.
struct GenModule {
    fills: HashMap<&'static str, CudaFunction>,
    kat: CudaFunction,
}

/// (context, module name) -> its kernels, built once (a `GenModule`, the
/// dropout or exact-sum kernels...): whichever handle asks first loads them.
type LoadedKernels = HashMap<(usize, String), Arc<dyn Any + Send + Sync>>;
fn loaded_cache() -> &'static Mutex<LoadedKernels> {
    static C: OnceLock<Mutex<LoadedKernels>> = OnceLock::new();
    C.get_or_init(Default::default)
}
/// (architecture, module name) -> PTX: NVRTC runs once per module and
/// architecture in the process, shared by the contexts of that architecture.
type PtxKey = (String, String);
fn ptx_cache() -> &'static Mutex<HashMap<PtxKey, Arc<String>>> {
    static C: OnceLock<Mutex<HashMap<PtxKey, Arc<String>>>> = OnceLock::new();
    C.get_or_init(Default::default)
}

/// A GPU: a CUDA context, the stream fills are queued on, and the device's
/// architecture. Cheap to clone (the context and stream are shared).
///
/// ```no_run
/// use cbrng::{Algorithm, Stream, cuda::Gpu, dist::Distribution};
/// let gpu = Gpu::new(0)?;
/// let mut x = gpu.stream().alloc_zeros::<f32>(1 << 20).map_err(|e| cbrng::Error::Gpu { reason: format!("{e:?}") })?;
/// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?;
/// gpu.fill(&s, &Distribution::STANDARD_NORMAL, 0, &mut x)?; // queued, no sync
/// assert!(gpu.cross_check(&s, &Distribution::STANDARD_NORMAL, 0, &x)?.is_equal());
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Clone)]
pub struct Gpu {
    pub(super) stream: Arc<CudaStream>,
    arch: String,
    pub(super) sm_count: u32,
    /// The exact sums' partial-state buffer (src/cuda/reduce.rs), shared by clones.
    pub(super) reduce_scratch: super::reduce::Scratch,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("ordinal", &self.stream.context().ordinal())
            .field("arch", &self.arch)
            .field("sm_count", &self.sm_count)
            .finish()
    }
}

impl Gpu {
    /// A handle on device `ordinal` (its primary context) and that context's
    /// default stream. Fails with [`Error::Gpu`] when there is no driver, no
    /// such device or no NVRTC.
    pub fn new(ordinal: usize) -> Result<Gpu, Error> {
        require_driver()?;
        let ctx = CudaContext::new(ordinal)
            .map_err(|e| gpu_err(&format!("cannot open CUDA device {ordinal}"), e))?;
        Gpu::from_context(ctx)
    }

    /// A handle on the caller's context, filling on its default stream.
    pub fn from_context(ctx: Arc<CudaContext>) -> Result<Gpu, Error> {
        Gpu::from_stream(ctx.default_stream())
    }

    /// A handle that queues every fill on the caller's stream.
    pub fn from_stream(stream: Arc<CudaStream>) -> Result<Gpu, Error> {
        require_driver()?;
        if !nvrtc::nvrtc_present() {
            return Err(Error::Gpu {
                reason: "no NVRTC library (libnvrtc) found: cbrng compiles its kernels with \
                         NVRTC at run time; install the CUDA toolkit or `pip install \
                         nvidia-cuda-nvrtc` and add its lib directory to LD_LIBRARY_PATH"
                    .into(),
            });
        }
        let ctx = stream.context();
        let (major, minor) = ctx
            .compute_capability()
            .map_err(|e| gpu_err("cannot read the compute capability", e))?;
        let sm_count = ctx
            .attribute(sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
            .map_err(|e| gpu_err("cannot read the multiprocessor count", e))?;
        Ok(Gpu {
            stream,
            arch: format!("sm_{major}{minor}"),
            sm_count: sm_count.max(1) as u32,
            reduce_scratch: Default::default(),
        })
    }

    /// The stream fills are queued on.
    pub fn stream(&self) -> &Arc<CudaStream> {
        &self.stream
    }
    /// The context.
    pub fn context(&self) -> &Arc<CudaContext> {
        self.stream.context()
    }
    /// The architecture the kernels are compiled for (`sm_90`, ...).
    pub fn arch(&self) -> &str {
        &self.arch
    }

    /// Compiles (NVRTC) and loads `algo`'s kernels now, unless this context
    /// already has them; fills do this on first use.
    pub fn prepare(&self, algo: Algorithm) -> Result<(), Error> {
        self.module(algo).map(|_| ())
    }

    /// The kernels of module `name` in this context, built by `build` from
    /// the loaded module once per context; the module is compiled by NVRTC
    /// from `body` (after [`source::amalgamate`]) with `defines`, once per
    /// architecture. Every kernel family (fills, dropout, exact sums) loads
    /// through here, so none is compiled per call.
    pub(super) fn kernels<M: Send + Sync + 'static>(
        &self,
        name: &str,
        body: impl FnOnce() -> String,
        defines: &[(String, String)],
        build: impl FnOnce(&Arc<CudaModule>) -> Result<M, Error>,
    ) -> Result<Arc<M>, Error> {
        let ctx = self.context();
        let key = (ctx.cu_ctx() as usize, name.to_string());
        let mut cache = loaded_cache()
            .lock()
            .map_err(|_| gpu_err("module cache", "poisoned"))?;
        if let Some(m) = cache.get(&key) {
            return m
                .clone()
                .downcast::<M>()
                .map_err(|_| gpu_err("module cache", format!("{name} holds another type")));
        }
        let ptx = self.ptx(name, body, defines)?;
        let module = ctx
            .load_module(Ptx::from_src(ptx.as_str()))
            .map_err(|e| gpu_err(&format!("cannot load the {name} kernels"), e))?;
        let m = Arc::new(build(&module)?);
        cache.insert(key, m.clone());
        Ok(m)
    }

    fn ptx(
        &self,
        name: &str,
        body: impl FnOnce() -> String,
        defines: &[(String, String)],
    ) -> Result<Arc<String>, Error> {
        let key = (self.arch.clone(), name.to_string());
        if let Some(p) = ptx_cache()
            .lock()
            .map_err(|_| gpu_err("PTX cache", "poisoned"))?
            .get(&key)
        {
            return Ok(p.clone());
        }
        let src = source::amalgamate(&body());
        let opts = nvrtc::kernel_options(&self.arch, defines);
        let compiled = nvrtc::compile(&src, &format!("cbrng_{name}.cu"), &opts)?;
        let p = Arc::new(compiled.ptx);
        ptx_cache()
            .lock()
            .map_err(|_| gpu_err("PTX cache", "poisoned"))?
            .insert(key, p.clone());
        Ok(p)
    }

    /// `algo`'s fill and KAT kernels (module `<algo>/fill`).
    fn module(&self, algo: Algorithm) -> Result<Arc<GenModule>, Error> {
        let gname = kernels::generator_name(algo);
        let load = |module: &Arc<CudaModule>, name: &str| {
            module
                .load_function(name)
                .map_err(|e| gpu_err(&format!("no kernel {name}"), e))
        };
        self.kernels(
            &format!("{algo}/fill"),
            || source::FILL_KERNELS.to_string(),
            &kernels::module_defines(algo),
            |module| {
                let mut fills = HashMap::new();
                for d in kernels::DIST_NAMES {
                    fills.insert(d, load(module, &format!("cbrng_fill_{gname}_{d}"))?);
                }
                Ok(GenModule {
                    fills,
                    kat: load(module, &kernels::kat_kernel_name(algo))?,
                })
            },
        )
    }

    /// Fills the caller's device buffer (a `CudaSlice<T>` or `CudaViewMut<T>`)
    /// with elements `[offset, offset + len)` of `dist` on `stream`, in the
    /// dtype of `T`: bit for bit what [`Stream::fill`] gives on the CPU.
    ///
    /// The kernel is queued on this handle's stream and the call returns
    /// without waiting; no device memory is allocated. The first fill of a
    /// generator in a context compiles its kernels (see [`Gpu::prepare`]).
    pub fn fill<T: DeviceElement, D: DevicePtrMut<T>>(
        &self,
        stream: &Stream,
        dist: &Distribution,
        offset: u64,
        out: &mut D,
    ) -> Result<(), Error> {
        let prepared = dist.prepare(T::DTYPE)?;
        let count = out.len();
        self.check(stream, &prepared, offset, count)?;
        let (ptr, _record) = out.device_ptr_mut(&self.stream);
        // SAFETY: `ptr` addresses `count` elements of T, which is the kernel's dtype.
        unsafe { self.launch_fill(stream, &prepared, offset, ptr, count as u64) }
    }

    /// [`Gpu::fill`] into raw device memory: `count` elements of
    /// `prepared.dtype` at `ptr`, in this handle's context.
    ///
    /// # Safety
    /// `ptr` must address at least `count * prepared.dtype.size()` writable
    /// bytes of device memory that stay allocated until the kernel has run.
    pub unsafe fn fill_raw(
        &self,
        stream: &Stream,
        prepared: &Prepared,
        offset: u64,
        ptr: sys::CUdeviceptr,
        count: usize,
    ) -> Result<(), Error> {
        self.check(stream, prepared, offset, count)?;
        // SAFETY: the caller's promise.
        unsafe { self.launch_fill(stream, prepared, offset, ptr, count as u64) }
    }

    fn check(
        &self,
        stream: &Stream,
        prepared: &Prepared,
        offset: u64,
        count: usize,
    ) -> Result<(), Error> {
        stream.check_range(offset.into(), count as u128, stream.len_of(prepared))?;
        check_device_index("fills", offset, count)
    }

    unsafe fn launch_fill(
        &self,
        stream: &Stream,
        prepared: &Prepared,
        offset: u64,
        ptr: sys::CUdeviceptr,
        count: u64,
    ) -> Result<(), Error> {
        if count == 0 {
            return Ok(());
        }
        let algo = stream.algorithm();
        let m = self.module(algo)?;
        let dname = kernels::dist_name(&prepared.dist, prepared.dtype).ok_or_else(|| {
            Error::DTypeMismatch {
                dist: prepared.dist.name().into(),
                dtype: prepared.dtype.to_string(),
                allowed: String::new(),
            }
        })?;
        let f = &m.fills[dname];
        let e = kernels::group_elements(algo, prepared);
        // The range may end at 2^64 exactly: form its last index, not its end.
        let groups = (offset + (count - 1)) / e - offset / e + 1;
        let k = key_words(stream);
        let (p0, p1, f0, f1) = kernels::fill_params(prepared);
        let id = stream.id();
        let cfg = self.grid_stride_config(groups);
        let mut b = self.stream.launch_builder(f);
        b.arg(&ptr)
            .arg(&count)
            .arg(&offset)
            .arg(&id)
            .arg(&k[0])
            .arg(&k[1])
            .arg(&k[2])
            .arg(&k[3])
            .arg(&p0)
            .arg(&p1)
            .arg(&f0)
            .arg(&f1);
        // SAFETY: the arguments match the kernel's signature in kernels/fill.cu
        // (out, count, offset, stream, k0..k3, p0, p1, f0, f1), and `ptr`
        // addresses `count` elements of the kernel's dtype.
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(|e| gpu_err(&format!("launching {algo} {}", prepared.dist), e))
    }

    /// Copies a device buffer to the host (waiting for this stream) and
    /// compares it with elements `[offset, ...)` of `dist` on `stream` in the
    /// dtype of `T`: equality, or the first differing index with both values.
    pub fn cross_check<T: DeviceElement, S: DevicePtr<T>>(
        &self,
        stream: &Stream,
        dist: &Distribution,
        offset: u64,
        buf: &S,
    ) -> Result<CrossCheck, Error> {
        let prepared = dist.prepare(T::DTYPE)?;
        let bytes = self.copy_to_host(buf)?;
        compare_bytes(stream, &prepared, offset, &bytes)
    }

    /// The bytes of a device buffer (synchronises this handle's stream).
    pub fn copy_to_host<T, S: DevicePtr<T>>(&self, buf: &S) -> Result<Vec<u8>, Error> {
        let mut bytes = vec![0u8; buf.num_bytes()];
        if !bytes.is_empty() {
            let (ptr, _record) = buf.device_ptr(&self.stream);
            self.context()
                .bind_to_thread()
                .map_err(|e| gpu_err("binding the context", e))?;
            // SAFETY: `ptr` addresses `bytes.len()` readable bytes; we wait below.
            unsafe { result::memcpy_dtoh_async(&mut bytes, ptr, self.stream.cu_stream()) }
                .map_err(|e| gpu_err("copying device to host", e))?;
        }
        self.stream
            .synchronize()
            .map_err(|e| gpu_err("synchronising the stream", e))?;
        Ok(bytes)
    }

    /// Runs known-answer vectors through the bare block function on the
    /// device (the KAT kernel at `algo`'s round count): `ctr` and `key` hold
    /// each vector's words (u64 each; 32-bit generators use the low halves),
    /// and the output words come back. Synchronous; allocates.
    pub fn block_kat(&self, algo: Algorithm, ctr: &[u64], key: &[u64]) -> Result<Vec<u64>, Error> {
        let n = algo.shape().words();
        let kn = algo.key_words();
        if !ctr.len().is_multiple_of(n) || key.len() != ctr.len() / n * kn {
            return Err(Error::BadParameter {
                reason: format!("{algo}: KAT input is not whole vectors"),
            });
        }
        let vectors = (ctr.len() / n) as u32;
        if vectors == 0 {
            return Ok(Vec::new());
        }
        let m = self.module(algo)?;
        let s = &self.stream;
        let e = |what| move |err| gpu_err(what, err);
        let c = s.clone_htod(ctr).map_err(e("copying counters"))?;
        let k = s.clone_htod(key).map_err(e("copying keys"))?;
        let mut out = s.alloc_zeros::<u64>(ctr.len()).map_err(e("allocating"))?;
        let mut b = s.launch_builder(&m.kat);
        b.arg(&c).arg(&k).arg(&mut out).arg(&vectors);
        let cfg = LaunchConfig::for_num_elems(vectors);
        // SAFETY: matches cbrng_kat_<gen>(ctr, key, out, vectors) in fill.cu.
        unsafe { b.launch(cfg) }.map_err(e("launching the KAT kernel"))?;
        s.clone_dtoh(&out).map_err(e("copying results"))
    }
}

impl Gpu {
    /// The launch shape of the grid-stride kernels (fills, dropout) for
    /// `groups` units of work: THREADS a block, as many blocks as the work
    /// needs up to BLOCKS_PER_SM per multiprocessor.
    pub(super) fn grid_stride_config(&self, groups: u64) -> LaunchConfig {
        let blocks = groups
            .div_ceil(u64::from(THREADS))
            .min(u64::from(self.sm_count * BLOCKS_PER_SM))
            .max(1) as u32;
        LaunchConfig {
            grid_dim: (blocks, 1, 1),
            block_dim: (THREADS, 1, 1),
            shared_mem_bytes: 0,
        }
    }
}

/// A stream's key as the kernels take it: four words, zero-padded.
pub(super) fn key_words(stream: &Stream) -> [u64; 4] {
    let mut k = [0u64; 4];
    k[..stream.key().words().len()].copy_from_slice(stream.key().words());
    k
}

/// Device kernels address elements by u64 index: `[offset, offset + count)`
/// must end at or before [`DEVICE_INDEX_LIMIT`] (2^64).
pub(super) fn check_device_index(what: &str, offset: u64, count: usize) -> Result<(), Error> {
    let end = u128::from(offset) + count as u128;
    if end > DEVICE_INDEX_LIMIT {
        return Err(Error::Gpu {
            reason: format!(
                "device {what} reach elements below 2^64 only: [{offset}, {end}) passes it \
                 (make elements from 2^64 on with the CPU)"
            ),
        });
    }
    Ok(())
}

fn require_driver() -> Result<(), Error> {
    if super::driver_present() {
        Ok(())
    } else {
        Err(Error::Gpu {
            reason: "no CUDA driver (libcuda) found on this machine".into(),
        })
    }
}

/// A GPU handle on device 0, or why there is none (no driver, no device, no
/// NVRTC): what `--device auto` and the GPU tests use.
pub fn default_gpu() -> Result<Gpu, Error> {
    let gpus = super::probe()?;
    debug_assert!(!gpus.is_empty());
    Gpu::new(0)
}

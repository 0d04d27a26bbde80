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
pub(super) struct GenModule {
    pub(super) fills: HashMap<&'static str, CudaFunction>,
    kat: CudaFunction,
}

/// Module name -> its kernels (a `GenModule`, the dropout or exact-sum
/// kernels...), loaded into one handle's context. Held by the handle and its
/// clones (never globally), so the modules and the context they hold are
/// released with the last handle, and a handle made after a device reset
/// loads fresh ones.
type LoadedKernels = Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>;

/// A compiled module: machine code (CUBIN) or PTX.
#[derive(Debug)]
enum Image {
    Cubin(Vec<u8>),
    Ptx(String),
}

/// (compile target, module name) -> its image: NVRTC runs once per module
/// and target in the process, shared by every context of that architecture.
/// Plain bytes: it holds no context alive.
type ImageKey = (nvrtc::CompileTarget, String);
fn image_cache() -> &'static Mutex<HashMap<ImageKey, Arc<Image>>> {
    static C: OnceLock<Mutex<HashMap<ImageKey, Arc<Image>>>> = OnceLock::new();
    C.get_or_init(Default::default)
}

/// A tiny module whose load proves that this NVRTC, driver and device work
/// together (what [`default_gpu`] loads before it answers).
const PROBE_KERNEL: &str =
    "extern \"C\" __global__ void cbrng_probe(unsigned int* p) { if (p) *p = 1u; }\n";

/// A GPU: a CUDA context, the stream fills are queued on, the device's
/// compile target and the kernels loaded so far. Cheap to clone (clones
/// share the context, the stream and the loaded kernels).
///
/// Modules are loaded once per handle (and its clones), compiled once per
/// architecture in the process: make one `Gpu` per context and clone it, or
/// use [`Gpu::with_stream`] for other streams of the same context. A program
/// that resets the device (`cudaDeviceReset`, `cuDevicePrimaryCtxReset`)
/// must drop every `Gpu` of that device (and every cudarc object of its
/// context) first and make new ones after: a handle does not survive the
/// context it was made on.
///
/// ```no_run
/// use cbrng::{Algorithm, Stream, cuda::Gpu, dist::Distribution};
/// let gpu = Gpu::new(0)?;
/// let mut x = gpu.stream().alloc_zeros::<f32>(1 << 20)?;
/// let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 42, 0)?;
/// gpu.fill(&s, &Distribution::STANDARD_NORMAL, 0, &mut x)?; // queued, no sync
/// assert!(gpu.cross_check(&s, &Distribution::STANDARD_NORMAL, 0, &x)?.is_equal());
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Clone)]
pub struct Gpu {
    pub(super) stream: Arc<CudaStream>,
    target: nvrtc::CompileTarget,
    ordinal: i32,
    pub(super) sm_count: u32,
    loaded: Arc<LoadedKernels>,
    /// The exact sums' partial-state buffer (src/cuda/reduce.rs), shared by clones.
    pub(super) reduce_scratch: super::reduce::Scratch,
}

impl std::fmt::Debug for Gpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gpu")
            .field("ordinal", &self.ordinal)
            .field("target", &self.target)
            .field("sm_count", &self.sm_count)
            .finish()
    }
}

impl Gpu {
    /// A handle on device `ordinal` (its primary context) and that context's
    /// default stream. Fails with [`Error::Gpu`] when there is no driver, no
    /// such device, no NVRTC, or an NVRTC whose kernels this driver and
    /// device cannot load (see [`nvrtc::choose_target`]).
    pub fn new(ordinal: usize) -> Result<Gpu, Error> {
        super::require_driver()?;
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
        super::require_driver()?;
        if !nvrtc::nvrtc_present() {
            return Err(Error::Gpu {
                reason: "no NVRTC library (libnvrtc) found: cbrng compiles its kernels with \
                         NVRTC at run time; install the CUDA toolkit or `pip install \
                         'nvidia-cuda-nvrtc==13.0.*'` (`nvidia-cuda-nvrtc-cu12` for a 12.x \
                         driver) and add its lib folder to LD_LIBRARY_PATH"
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
        let driver = super::driver_version()?;
        let target = nvrtc::choose_target(
            (major, minor),
            nvrtc::nvrtc_version()?,
            driver,
            &nvrtc::supported_archs()?,
        )
        .map_err(|reason| Error::Gpu { reason })?;
        Ok(Gpu {
            ordinal: ctx.ordinal() as i32,
            stream,
            target,
            sm_count: sm_count.max(1) as u32,
            loaded: Default::default(),
            reduce_scratch: Default::default(),
        })
    }

    /// A handle on another stream of this handle's context, sharing its
    /// loaded kernels (nothing is compiled or loaded again).
    pub fn with_stream(&self, stream: Arc<CudaStream>) -> Result<Gpu, Error> {
        if stream.context().cu_ctx() != self.context().cu_ctx() {
            return Err(Error::Gpu {
                reason: "Gpu::with_stream: the stream belongs to another context".into(),
            });
        }
        Ok(Gpu {
            stream,
            reduce_scratch: Default::default(),
            ..self.clone()
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
    /// The architecture option the kernels are compiled with (`sm_90` for
    /// machine code, `compute_120` for PTX that the driver compiles).
    pub fn arch(&self) -> String {
        self.target.arch_option()
    }
    /// What the kernels are compiled to on this device.
    pub fn target(&self) -> nvrtc::CompileTarget {
        self.target
    }

    /// Compiles (NVRTC) and loads `algo`'s kernels now, unless this handle
    /// already has them; fills do this on first use.
    pub fn prepare(&self, algo: Algorithm) -> Result<(), Error> {
        self.module(algo).map(|_| ())
    }

    /// Compiles and loads a tiny module: proof that this NVRTC, driver and
    /// device work together (the first module load is where a mismatch the
    /// version checks cannot see shows).
    pub fn prepare_probe(&self) -> Result<(), Error> {
        self.kernels(
            "probe",
            || PROBE_KERNEL.to_string(),
            &[],
            |module| {
                module
                    .load_function("cbrng_probe")
                    .map_err(|e| gpu_err("no kernel cbrng_probe", e))
            },
        )
        .map(|_| ())
    }

    /// Compiles a CUDA source of the caller's (through
    /// [`source::amalgamate`], so it may `#include "cbrng.cuh"`) with the
    /// options cbrng's own kernels use, for this device's target, and loads
    /// it into this handle's context. Not cached: keep the module.
    pub fn load_source<K: AsRef<str>, V: AsRef<str>>(
        &self,
        name: &str,
        cuda_source: &str,
        defines: &[(K, V)],
    ) -> Result<Arc<CudaModule>, Error> {
        let src = source::amalgamate(cuda_source);
        let opts = nvrtc::kernel_options(&self.target.arch_option(), defines);
        let compiled = nvrtc::compile(&src, name, &opts)?;
        let image = match compiled.cubin {
            Some(c) => Image::Cubin(c),
            None => Image::Ptx(compiled.ptx),
        };
        self.load_image(name, &image)
    }

    fn load_image(&self, name: &str, image: &Image) -> Result<Arc<CudaModule>, Error> {
        let module = match image {
            Image::Cubin(bin) => Ptx::from_binary(bin.clone()),
            Image::Ptx(text) => Ptx::from_src(text.as_str()),
        };
        self.context().load_module(module).map_err(|e| {
            gpu_err(
                &format!(
                    "cannot load the {name} kernels ({}; driver of {})",
                    self.target,
                    super::driver_version_text()
                ),
                e,
            )
        })
    }

    /// The kernels of module `name` in this handle's context, built by
    /// `build` from the loaded module once per handle; the module is
    /// compiled by NVRTC from `body` (after [`source::amalgamate`]) with
    /// `defines`, once per compile target in the process. Every kernel
    /// family (fills, dropout, exact sums) loads through here, so none is
    /// compiled per call.
    pub(super) fn kernels<M: Send + Sync + 'static>(
        &self,
        name: &str,
        body: impl FnOnce() -> String,
        defines: &[(String, String)],
        build: impl FnOnce(&Arc<CudaModule>) -> Result<M, Error>,
    ) -> Result<Arc<M>, Error> {
        let options = |arch: &str| nvrtc::kernel_options(arch, defines);
        self.kernels_with_options(name, body, options, build)
    }

    /// [`Gpu::kernels`] with the NVRTC options of the module given by
    /// `options(arch)` (the compat kernels compile as the systems they
    /// reproduce are built: src/cuda/compat.rs).
    pub(super) fn kernels_with_options<M: Send + Sync + 'static>(
        &self,
        name: &str,
        body: impl FnOnce() -> String,
        options: impl FnOnce(&str) -> Vec<String>,
        build: impl FnOnce(&Arc<CudaModule>) -> Result<M, Error>,
    ) -> Result<Arc<M>, Error> {
        let mut cache = self
            .loaded
            .lock()
            .map_err(|_| gpu_err("module cache", "poisoned"))?;
        if let Some(m) = cache.get(name) {
            return m
                .clone()
                .downcast::<M>()
                .map_err(|_| gpu_err("module cache", format!("{name} holds another type")));
        }
        let image = self.image(name, body, options)?;
        let module = self.load_image(name, &image)?;
        let m = Arc::new(build(&module)?);
        cache.insert(name.to_string(), m.clone());
        Ok(m)
    }

    fn image(
        &self,
        name: &str,
        body: impl FnOnce() -> String,
        options: impl FnOnce(&str) -> Vec<String>,
    ) -> Result<Arc<Image>, Error> {
        let key = (self.target, name.to_string());
        if let Some(p) = image_cache()
            .lock()
            .map_err(|_| gpu_err("kernel image cache", "poisoned"))?
            .get(&key)
        {
            return Ok(p.clone());
        }
        let src = source::amalgamate(&body());
        let opts = options(&self.target.arch_option());
        let compiled = nvrtc::compile(&src, &format!("cbrng_{name}.cu"), &opts)?;
        let image = Arc::new(match (self.target, compiled.cubin) {
            (nvrtc::CompileTarget::Cubin { .. }, Some(c)) => Image::Cubin(c),
            _ => Image::Ptx(compiled.ptx),
        });
        image_cache()
            .lock()
            .map_err(|_| gpu_err("kernel image cache", "poisoned"))?
            .insert(key, image.clone());
        Ok(image)
    }

    /// `algo`'s fill and KAT kernels (module `<algo>/fill`).
    pub(super) fn module(&self, algo: Algorithm) -> Result<Arc<GenModule>, Error> {
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
        if count > 0 {
            self.check_buffer("output", ptr, prepared.dtype.size())?;
        }
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
        if count > 0 {
            self.check_buffer("output", ptr, prepared.dtype.size())?;
        }
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
        // A rejection sampler fills from its attempt key (dist::attempts).
        let (key, id) = crate::dist::attempts::engine_key(stream, prepared);
        let mut k = [0u64; 4];
        k[..key.words().len()].copy_from_slice(key.words());
        let (p0, p1, f0, f1) = kernels::fill_params(prepared);
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
        let (ptr, _record) = buf.device_ptr(&self.stream);
        // SAFETY: `ptr` addresses the buffer's `bytes.len()` readable bytes.
        unsafe { self.read_device(ptr, &mut bytes) }?;
        Ok(bytes)
    }

    /// Copies `out.len()` bytes at `ptr` into `out` on this handle's stream
    /// and waits for the stream.
    ///
    /// # Safety
    /// `ptr` addresses `out.len()` readable bytes of this handle's context.
    unsafe fn read_device(&self, ptr: sys::CUdeviceptr, out: &mut [u8]) -> Result<(), Error> {
        if !out.is_empty() {
            self.context()
                .bind_to_thread()
                .map_err(|e| gpu_err("binding the context", e))?;
            // SAFETY: the caller's promise; we wait below, before `out` is read.
            unsafe { result::memcpy_dtoh_async(out, ptr, self.stream.cu_stream()) }
                .map_err(|e| gpu_err("copying device to host", e))?;
        }
        self.stream
            .synchronize()
            .map_err(|e| gpu_err("synchronising the stream", e))
    }

    /// The `bytes` bytes of device memory at `ptr`, copied to the host in
    /// this handle's stream order (after the work queued on it; the copy is
    /// waited for). What the reductions without device kernels read
    /// (`exact_dot` and the others in the Python package): their results
    /// do not depend on where the terms are added.
    ///
    /// # Errors
    /// Before any copy: a null `ptr` or a range past the end of the 64-bit
    /// address space ([`Error::BadParameter`]), memory the driver does not
    /// know or that sits on another device or context ([`Error::Gpu`]). No
    /// bytes need no pointer.
    ///
    /// # Safety
    /// `ptr` must address `bytes` readable bytes of device memory that stay
    /// allocated until the call returns, and this handle's stream a live
    /// stream of its context. The driver cannot check the allocation's size.
    pub unsafe fn copy_raw_to_host(
        &self,
        ptr: sys::CUdeviceptr,
        bytes: usize,
    ) -> Result<Vec<u8>, Error> {
        if bytes == 0 {
            return Ok(Vec::new());
        }
        if ptr == 0 {
            return Err(Error::BadParameter {
                reason: format!("the buffer of {bytes} bytes has a null device pointer"),
            });
        }
        if ptr.checked_add(bytes as u64).is_none() {
            return Err(Error::BadParameter {
                reason: format!(
                    "the buffer of {bytes} bytes at device address {ptr:#x} runs past the end \
                     of the 64-bit address space"
                ),
            });
        }
        self.check_buffer("input", ptr, 1)?;
        let mut out = vec![0u8; bytes];
        // SAFETY: the caller's promise (`bytes` readable bytes at `ptr`).
        unsafe { self.read_device(ptr, &mut out) }?;
        Ok(out)
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
    /// Refuses, before any launch, a buffer that a kernel of this handle
    /// would fault on: an address not aligned to its `align`-byte elements
    /// (`CUDA_ERROR_MISALIGNED_ADDRESS`), or memory of another device or
    /// context (`CUDA_ERROR_ILLEGAL_ADDRESS`). Both faults are sticky: they
    /// would break the caller's whole context, so they are errors here.
    pub(super) fn check_buffer(
        &self,
        what: &str,
        ptr: sys::CUdeviceptr,
        align: usize,
    ) -> Result<(), Error> {
        if !ptr.is_multiple_of(align as u64) {
            return Err(Error::BadParameter {
                reason: format!(
                    "the {what} buffer at device address {ptr:#x} is not aligned to its \
                     {align}-byte elements"
                ),
            });
        }
        let attr = |a: sys::CUpointer_attribute, out: *mut std::ffi::c_void| {
            // SAFETY: `out` points to storage of the attribute's type (an
            // i32 ordinal or a CUcontext); the driver only reads `ptr`'s
            // allocation record.
            unsafe { sys::cuPointerGetAttribute(out, a, ptr) }.result()
        };
        let mut ordinal: i32 = -1;
        attr(
            sys::CUpointer_attribute::CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL,
            (&mut ordinal as *mut i32).cast(),
        )
        .map_err(|e| Error::Gpu {
            reason: format!(
                "the {what} buffer at {ptr:#x} is not device memory the CUDA driver knows ({e:?})"
            ),
        })?;
        if ordinal != self.ordinal {
            return Err(Error::Gpu {
                reason: format!(
                    "the {what} buffer is on CUDA device {ordinal}, this handle on device {}",
                    self.ordinal
                ),
            });
        }
        let mut ctx: sys::CUcontext = std::ptr::null_mut();
        // Memory from a pool reports no context (null): the device decides.
        if attr(
            sys::CUpointer_attribute::CU_POINTER_ATTRIBUTE_CONTEXT,
            (&mut ctx as *mut sys::CUcontext).cast(),
        )
        .is_ok()
            && !ctx.is_null()
            && ctx != self.context().cu_ctx()
        {
            return Err(Error::Gpu {
                reason: format!(
                    "the {what} buffer belongs to another CUDA context than this handle's"
                ),
            });
        }
        Ok(())
    }

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

/// A GPU handle on device 0 that has compiled and loaded its first module,
/// or why there is none (no driver, no device, no NVRTC, versions that do
/// not work together, a module the driver cannot load): what `--device
/// auto` and the GPU tests use. Only a handle that has loaded a module is
/// returned, so a caller that falls back to the CPU on an error never
/// chooses a GPU it cannot use.
pub fn default_gpu() -> Result<Gpu, Error> {
    let gpus = super::probe()?;
    debug_assert!(!gpus.is_empty());
    let gpu = Gpu::new(0)?;
    gpu.prepare_probe()?;
    Ok(gpu)
}

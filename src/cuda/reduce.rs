//! Exact sums of device buffers: the two-pass kernels of `kernels/reduce.cu`
//! launched on a [`Gpu`]'s stream, their state read back as an
//! [`Accumulator`], so a GPU sum rounds to the same bits as
//! [`crate::reduce::sum`] on the CPU, merges with CPU states and other
//! shards, and serialises like them.
//!
//! The kernels are compiled by NVRTC once per architecture and loaded once
//! per context, like the fill kernels. Each handle (and its clones) keeps one
//! device buffer for the partial states, grown when a larger grid asks for
//! it; a sum allocates nothing else on the device.
//!
//! Not yet run on a GPU: the kernels' arithmetic is checked on the host
//! (`tests/reduce_device.rs`), the launches only by `tests/gpu_reduce.rs` on
//! a machine with a GPU.

use super::gpu::{Gpu, gpu_err};
use super::source;
use crate::dist::DType;
use crate::error::Error;
use crate::reduce::{Accumulator, DEVICE_STATE_WORDS, DIGITS, Float};
use cudarc::driver::{
    CudaFunction, CudaSlice, DevicePtr, DevicePtrMut, LaunchConfig, PushKernelArg, result, sys,
};
use std::sync::{Arc, Mutex};

/// Dynamic shared memory per warp of the partial kernel: one row of digits.
const ROW_BYTES: u32 = DIGITS as u32 * 8;
/// Threads per block of the default shape.
const DEFAULT_THREADS: u32 = 256;
/// Threads of the combine pass: one per digit, count and flags word.
const COMBINE_THREADS: u32 = (DEVICE_STATE_WORDS as u32).next_multiple_of(32);
/// Bytes each lane reads per group (`CBRNG_REDUCE_UNROLL` 16-byte vectors).
const LANE_GROUP_BYTES: u64 = 32;
/// The formats, in the order of [`ReduceModule::partial`].
const FORMATS: [&str; 4] = ["f32", "f64", "f16", "bf16"];
/// Bits of an element of each of [`FORMATS`].
const FORMAT_BITS: [u64; 4] = [32, 64, 16, 16];

/// A launch shape for the exact-sum kernels: `blocks` blocks of `threads`
/// threads for the first pass (the second is always one block). The result
/// does not depend on it: tests run several shapes and compare bits.
///
/// [`ReduceShape::new`] checks the kernels' launch contract (see
/// `kernels/reduce.cu`); [`Gpu::sum_state_with`] also checks `threads`
/// against what the compiled kernel allows on the device.
///
/// ```
/// use cbrng::cuda::ReduceShape;
/// let s = ReduceShape::new(132, 256)?;
/// assert_eq!((s.blocks(), s.threads()), (132, 256));
/// assert!(ReduceShape::new(4, 100).is_err()); // not a whole number of warps
/// assert!(ReduceShape::new(0, 256).is_err());
/// # Ok::<(), cbrng::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReduceShape {
    blocks: u32,
    threads: u32,
}

impl ReduceShape {
    /// Most blocks a shape may have. The kernels accept up to 2^24 partial
    /// states; this bound keeps the partial-state buffer (1,104 bytes a
    /// block) below 73 MB.
    pub const MAX_BLOCKS: u32 = 1 << 16;
    /// Most threads a block may have (CUDA's limit; the compiled kernel
    /// usually allows fewer: see [`Gpu::reduce_max_threads`]).
    pub const MAX_THREADS: u32 = 1024;

    /// A shape of `blocks` blocks (1 to [`MAX_BLOCKS`](Self::MAX_BLOCKS)) of
    /// `threads` threads (a multiple of 32, from 32 to
    /// [`MAX_THREADS`](Self::MAX_THREADS)); anything else is an
    /// [`Error::BadParameter`] saying which rule it breaks.
    pub fn new(blocks: u32, threads: u32) -> Result<ReduceShape, Error> {
        let bad = |reason: String| Err(Error::BadParameter { reason });
        if blocks == 0 || blocks > Self::MAX_BLOCKS {
            return bad(format!(
                "exact-sum launch shape: {blocks} blocks (must be 1 to {})",
                Self::MAX_BLOCKS
            ));
        }
        if threads == 0 || !threads.is_multiple_of(32) || threads > Self::MAX_THREADS {
            return bad(format!(
                "exact-sum launch shape: {threads} threads per block (must be a multiple of 32, \
                 from 32 to {})",
                Self::MAX_THREADS
            ));
        }
        Ok(ReduceShape { blocks, threads })
    }

    /// Blocks of the first pass.
    pub fn blocks(&self) -> u32 {
        self.blocks
    }

    /// Threads per block of the first pass.
    pub fn threads(&self) -> u32 {
        self.threads
    }
}

/// The exact-sum kernels, loaded into one context.
pub(super) struct ReduceModule {
    /// `cbrng_reduce_partial_<format>`, in [`FORMATS`] order.
    partial: Vec<CudaFunction>,
    /// Most threads per block each partial kernel allows on this device.
    max_threads: Vec<u32>,
    /// Resident blocks per multiprocessor of each partial kernel at the
    /// default block size (the default grid is this times the SM count).
    blocks_per_sm: Vec<u32>,
    combine: CudaFunction,
    /// `cbrng_reduce_to_limbs` and `cbrng_reduce_from_limbs` (the exact
    /// all-reduce, `src/cuda/allreduce.rs`).
    pub(super) to_limbs: CudaFunction,
    pub(super) from_limbs: CudaFunction,
}

/// A handle's partial-state buffer, grown on demand and shared by clones (who
/// share the stream, so stream order keeps queued sums apart). The lock is
/// held from the first launch to the last use of the buffer by the host.
#[derive(Clone, Default)]
pub(crate) struct Scratch(Arc<Mutex<Option<CudaSlice<u64>>>>);

fn format_index<T: Float>() -> usize {
    FORMATS
        .iter()
        .position(|&f| f == T::NAME)
        .expect("every Float format has a kernel")
}

impl Gpu {
    /// Compiles (NVRTC) and loads the exact-sum kernels now, unless this
    /// context already has them; the first sum does this otherwise.
    pub fn prepare_reduce(&self) -> Result<(), Error> {
        self.reduce_module().map(|_| ())
    }

    /// The exact-sum kernels (module `reduce`).
    pub(super) fn reduce_module(&self) -> Result<Arc<ReduceModule>, Error> {
        self.kernels("reduce", source::reduce_kernels, &[], |module| {
            let load = |name: &str| {
                module
                    .load_function(name)
                    .map_err(|e| gpu_err(&format!("no kernel {name}"), e))
            };
            let mut partial = Vec::new();
            let mut max_threads = Vec::new();
            let mut blocks_per_sm = Vec::new();
            for f in FORMATS {
                let func = load(&format!("cbrng_reduce_partial_{f}"))?;
                let max = func
                    .max_threads_per_block()
                    .map_err(|e| gpu_err("cannot read the kernel's block size limit", e))?;
                let threads = DEFAULT_THREADS.min(max.max(32) as u32 / 32 * 32);
                let per_sm = func
                    .occupancy_max_active_blocks_per_multiprocessor(
                        threads,
                        (threads / 32 * ROW_BYTES) as usize,
                        None,
                    )
                    .map_err(|e| gpu_err("cannot read the kernel's occupancy", e))?;
                max_threads.push(max.max(0) as u32);
                blocks_per_sm.push(per_sm.max(1));
                partial.push(func);
            }
            Ok(ReduceModule {
                partial,
                max_threads,
                blocks_per_sm,
                combine: load("cbrng_reduce_combine")?,
                to_limbs: load("cbrng_reduce_to_limbs")?,
                from_limbs: load("cbrng_reduce_from_limbs")?,
            })
        })
    }

    /// Most threads a block of the first exact-sum pass may have for `T` on
    /// this device: what the compiled kernel allows
    /// (`CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK`, set by its register use),
    /// a multiple of 32, at most [`ReduceShape::MAX_THREADS`]. NVRTC 13.0
    /// gives 1024 on sm_80/sm_90 for some formats and as few as 320 on
    /// sm_100; a shape above it is refused, never launched. Compiles the
    /// kernels if needed.
    pub fn reduce_max_threads<T: Float>(&self) -> Result<u32, Error> {
        let m = self.reduce_module()?;
        Ok((m.max_threads[format_index::<T>()] / 32 * 32).min(ReduceShape::MAX_THREADS))
    }

    /// The shape [`Gpu::sum_state`] uses for `n` elements of `T`: blocks of
    /// 256 threads, as many as fit on the device at once, fewer when `n` is
    /// too small to give every warp a group of 1 KiB. Compiles the kernels
    /// if needed (the fit depends on them).
    pub fn default_reduce_shape<T: Float>(&self, n: usize) -> Result<ReduceShape, Error> {
        self.shape_for(format_index::<T>(), n as u64)
    }

    /// [`Gpu::default_reduce_shape`] for format `FORMATS[i]`.
    fn shape_for(&self, i: usize, n: u64) -> Result<ReduceShape, Error> {
        let m = self.reduce_module()?;
        let threads = DEFAULT_THREADS.min(m.max_threads[i] / 32 * 32).max(32);
        let lane_terms = LANE_GROUP_BYTES / (FORMAT_BITS[i] / 8);
        let per_block = u64::from(threads) * lane_terms;
        let wanted = n.div_ceil(per_block).max(1);
        let resident = u64::from(self.sm_count) * u64::from(m.blocks_per_sm[i]);
        let blocks = wanted.min(resident).min(u64::from(ReduceShape::MAX_BLOCKS)) as u32;
        ReduceShape::new(blocks, threads)
    }

    /// The exact state of the sum of every element of `x` (a `CudaSlice<T>`
    /// or `CudaView<T>` of f32, f64, `half::f16` or `half::bf16`), computed
    /// on this handle's stream with [`Gpu::default_reduce_shape`]. Waits for
    /// the result.
    ///
    /// The state is exactly what [`Accumulator::add_slice`] gives for the
    /// same values: [`Accumulator::finish`] rounds it once to any format, it
    /// merges with other shards' states (from any GPU or the CPU) and
    /// serialises with [`Accumulator::to_bytes`].
    ///
    /// ```no_run
    /// use cbrng::{cuda::Gpu, reduce::Accumulator};
    /// let gpu = Gpu::new(0)?;
    /// let host = vec![1e30f32, 1.0, -1e30];
    /// let x = gpu.stream().clone_htod(&host)
    ///     .map_err(|e| cbrng::Error::Gpu { reason: format!("{e:?}") })?;
    /// let state = gpu.sum_state(&x)?;
    /// assert_eq!(state.finish::<f32>(), 1.0); // plain float summation gives 0
    /// let mut cpu = Accumulator::new();
    /// cpu.add_slice(&host);
    /// assert_eq!(state, cpu);
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub fn sum_state<T: Float, S: DevicePtr<T>>(&self, x: &S) -> Result<Accumulator, Error> {
        let shape = self.default_reduce_shape::<T>(x.len())?;
        self.sum_state_with(x, shape)
    }

    /// [`Gpu::sum_state`] with a launch shape of the caller's choosing (the
    /// state is the same for every shape). A shape with more threads per
    /// block than the compiled kernel allows on this device is an
    /// [`Error::BadParameter`].
    pub fn sum_state_with<T: Float, S: DevicePtr<T>>(
        &self,
        x: &S,
        shape: ReduceShape,
    ) -> Result<Accumulator, Error> {
        let (ptr, _record) = x.device_ptr(self.stream());
        // SAFETY: `x` holds its `len()` elements of T, alive for this call,
        // which waits for the kernels.
        unsafe { self.sum_state_ptr(format_index::<T>(), ptr, x.len() as u64, shape) }
    }

    /// The exact state of the sum of `count` elements of `dtype` (f32, f64,
    /// f16 or bf16) at the device address `ptr`, computed on this handle's
    /// stream with [`Gpu::default_reduce_shape`]; waits for the result. What
    /// [`Gpu::sum_state`] gives for the same elements (and so what the CPU's
    /// [`Accumulator::add_slice`] gives): for callers that hold a raw device
    /// pointer, such as arrays from other libraries (`__cuda_array_interface__`,
    /// DLPack). Work the caller queued on this handle's stream before the call
    /// is seen; the kernels use no atomics, so the bits never depend on the
    /// launch or on timing.
    ///
    /// Checked before any launch, each an [`Error`] with one line saying
    /// which rule the call breaks: `dtype` is a float format
    /// ([`Error::BadParameter`]); no elements is the empty sum (no pointer
    /// needed, nothing launched); otherwise `ptr` is not null, the buffer's
    /// `count * size` bytes from `ptr` fit below 2^64, and `ptr` is aligned
    /// to the element size ([`Error::BadParameter`]); the driver knows `ptr`
    /// as device memory of this handle's device and context
    /// ([`Error::Gpu`]).
    ///
    /// # Safety
    /// `ptr` must address `count` elements of `dtype`, readable device memory
    /// that stays allocated until the call returns, and the caller's stream
    /// handle (see [`Gpu::with_stream`]) must be a live stream of this
    /// handle's context. The driver cannot check that the allocation holds
    /// all `count` elements.
    ///
    /// ```no_run
    /// use cbrng::{cuda::Gpu, dist::DType, reduce::Accumulator};
    /// use cbrng::cudarc::driver::DevicePtr;
    /// let gpu = Gpu::new(0)?;
    /// let host = vec![1e30f32, 1.0, -1e30];
    /// let x = gpu.stream().clone_htod(&host)
    ///     .map_err(|e| cbrng::Error::Gpu { reason: format!("{e:?}") })?;
    /// let (ptr, _record) = x.device_ptr(gpu.stream());
    /// // SAFETY: `x` holds 3 f32 and outlives the call.
    /// let state = unsafe { gpu.sum_state_raw(DType::F32, ptr, 3) }?;
    /// assert_eq!(state, gpu.sum_state(&x)?);
    /// assert_eq!(state.finish::<f32>(), 1.0);
    /// assert!(unsafe { gpu.sum_state_raw(DType::U32, ptr, 3) }.is_err());
    /// # Ok::<(), cbrng::Error>(())
    /// ```
    pub unsafe fn sum_state_raw(
        &self,
        dtype: DType,
        ptr: sys::CUdeviceptr,
        count: usize,
    ) -> Result<Accumulator, Error> {
        let fi = FORMATS
            .iter()
            .position(|&f| f == dtype.name())
            .ok_or_else(|| Error::BadParameter {
                reason: format!(
                    "exact sums of device memory take f32, f64, f16 or bf16 elements, not {dtype}"
                ),
            })?;
        if count == 0 {
            return Ok(Accumulator::new());
        }
        let size = dtype.size() as u64;
        if ptr == 0 {
            return Err(Error::BadParameter {
                reason: format!("the {dtype} buffer of {count} elements has a null device pointer"),
            });
        }
        let end = (count as u64)
            .checked_mul(size)
            .and_then(|bytes| ptr.checked_add(bytes));
        if end.is_none() {
            return Err(Error::BadParameter {
                reason: format!(
                    "the {dtype} buffer of {count} elements at device address {ptr:#x} runs past \
                     the end of the 64-bit address space"
                ),
            });
        }
        self.check_buffer("input", ptr, dtype.size())?;
        let shape = self.shape_for(fi, count as u64)?;
        // SAFETY: the caller's promise; checked above as far as the driver can.
        unsafe { self.sum_state_ptr(fi, ptr, count as u64, shape) }
    }

    /// Both passes over `n` elements of format `FORMATS[fi]` at `ptr`, then
    /// the state read back (the shared body of the sums that wait).
    ///
    /// # Safety
    /// `ptr` addresses `n` elements of the format, alive until this returns.
    unsafe fn sum_state_ptr(
        &self,
        fi: usize,
        ptr: sys::CUdeviceptr,
        n: u64,
        shape: ReduceShape,
    ) -> Result<Accumulator, Error> {
        let mut words = [0u64; DEVICE_STATE_WORDS];
        {
            let mut scratch = self.lock_scratch()?;
            let partials = self.scratch_for(&mut scratch, shape.blocks as usize + 1)?;
            let (base, _record) = partials.device_ptr_mut(self.stream());
            let out = base + shape.blocks as u64 * (DEVICE_STATE_WORDS as u64 * 8);
            // SAFETY: the buffer holds blocks + 1 states: the partial states,
            // then the result; the lock keeps other sums away from it until
            // the copy below has completed. `ptr` is the caller's promise.
            unsafe { self.queue_ptr(fi, ptr, n, shape, base, out)? };
            self.context()
                .bind_to_thread()
                .map_err(|e| gpu_err("binding the context", e))?;
            // SAFETY: `out` holds DEVICE_STATE_WORDS words; we wait below.
            unsafe { result::memcpy_dtoh_async(&mut words[..], out, self.stream().cu_stream()) }
                .map_err(|e| gpu_err("copying the exact-sum state to the host", e))?;
            self.stream()
                .synchronize()
                .map_err(|e| gpu_err("synchronising the stream", e))?;
        }
        Accumulator::from_device_state(&words)
    }

    /// The correctly rounded exact sum of `x`, in `T` (see [`Gpu::sum_state`]).
    pub fn sum<T: Float, S: DevicePtr<T>>(&self, x: &S) -> Result<T, Error> {
        Ok(self.sum_state(x)?.finish())
    }

    /// The exact sum of `x` rounded once to f64 (see [`Gpu::sum_state`]).
    pub fn sum_f64<T: Float, S: DevicePtr<T>>(&self, x: &S) -> Result<f64, Error> {
        Ok(self.sum_state(x)?.finish())
    }

    /// Queues an exact sum of `x` on this handle's stream without waiting:
    /// the state lands in the caller's device buffer `state` (at least
    /// [`DEVICE_STATE_WORDS`] u64 words; read it with
    /// [`Accumulator::from_device_state`] once the stream has reached it).
    /// Sums of many buffers, or on many GPUs, can so run before any result
    /// is read. Uses this handle's partial-state buffer (stream order keeps
    /// queued sums apart).
    pub fn queue_sum_state<T: Float, S: DevicePtr<T>, O: DevicePtrMut<u64>>(
        &self,
        x: &S,
        shape: ReduceShape,
        state: &mut O,
    ) -> Result<(), Error> {
        if state.len() < DEVICE_STATE_WORDS {
            return Err(Error::BadParameter {
                reason: format!(
                    "an exact-sum state needs {DEVICE_STATE_WORDS} u64 words, the buffer holds {}",
                    state.len()
                ),
            });
        }
        let mut scratch = self.lock_scratch()?;
        let partials = self.scratch_for(&mut scratch, shape.blocks as usize)?;
        let (base, _record) = partials.device_ptr_mut(self.stream());
        let (out, _record_out) = state.device_ptr_mut(self.stream());
        let (ptr, _record_x) = x.device_ptr(self.stream());
        // SAFETY: `x` holds its `len()` elements, the scratch `blocks`
        // states and `out` one.
        unsafe { self.queue_ptr(format_index::<T>(), ptr, x.len() as u64, shape, base, out) }
    }

    fn lock_scratch(&self) -> Result<std::sync::MutexGuard<'_, Option<CudaSlice<u64>>>, Error> {
        self.reduce_scratch
            .0
            .lock()
            .map_err(|_| gpu_err("exact-sum scratch buffer", "poisoned"))
    }

    /// The scratch buffer, grown to at least `states` states.
    fn scratch_for<'a>(
        &self,
        scratch: &'a mut Option<CudaSlice<u64>>,
        states: usize,
    ) -> Result<&'a mut CudaSlice<u64>, Error> {
        let words = states * DEVICE_STATE_WORDS;
        if scratch.as_ref().is_none_or(|s| s.len() < words) {
            // The old buffer is freed in stream order, after queued work.
            *scratch = None;
            let buf = self
                .stream()
                .alloc_zeros::<u64>(words)
                .map_err(|e| gpu_err("allocating the exact-sum partial states", e))?;
            *scratch = Some(buf);
        }
        scratch
            .as_mut()
            .ok_or_else(|| gpu_err("exact-sum scratch buffer", "missing"))
    }

    /// Launches both passes over `n` elements of format `FORMATS[i]` at
    /// `ptr`: partial states at `partials` (`shape.blocks` of them), the
    /// result at `out`.
    ///
    /// # Safety
    /// `ptr` must address `n` elements of the format, `partials`
    /// `shape.blocks` states and `out` one state of writable device memory,
    /// all of which stay allocated until the kernels have run.
    unsafe fn queue_ptr(
        &self,
        i: usize,
        ptr: sys::CUdeviceptr,
        n: u64,
        shape: ReduceShape,
        partials: sys::CUdeviceptr,
        out: sys::CUdeviceptr,
    ) -> Result<(), Error> {
        let m = self.reduce_module()?;
        let name = FORMATS[i];
        if shape.threads > m.max_threads[i] {
            return Err(Error::BadParameter {
                reason: format!(
                    "exact-sum launch shape: {} threads per block, but the compiled \
                     cbrng_reduce_partial_{name} allows at most {} on this device",
                    shape.threads, m.max_threads[i]
                ),
            });
        }
        let size = FORMAT_BITS[i] / 8;
        if !ptr.is_multiple_of(size) {
            return Err(Error::BadParameter {
                reason: format!(
                    "the {name} buffer at device address {ptr:#x} is not aligned to its {size}-byte elements"
                ),
            });
        }
        let cfg = LaunchConfig {
            grid_dim: (shape.blocks, 1, 1),
            block_dim: (shape.threads, 1, 1),
            shared_mem_bytes: shape.threads / 32 * ROW_BYTES,
        };
        let mut b = self.stream().launch_builder(&m.partial[i]);
        b.arg(&ptr).arg(&n).arg(&partials);
        // SAFETY: matches cbrng_reduce_partial_<format>(x, n, partials) in
        // kernels/reduce.cu; x holds n aligned elements of the format,
        // partials `blocks` states (the caller's promise), and the shape
        // keeps the launch contract (ReduceShape::new, the check above).
        unsafe { b.launch(cfg) }
            .map_err(|e| gpu_err(&format!("launching cbrng_reduce_partial_{name}"), e))?;
        let blocks = shape.blocks;
        let cfg = LaunchConfig {
            grid_dim: (1, 1, 1),
            block_dim: (COMBINE_THREADS, 1, 1),
            shared_mem_bytes: 0,
        };
        let mut b = self.stream().launch_builder(&m.combine);
        b.arg(&partials).arg(&blocks).arg(&out);
        // SAFETY: matches cbrng_reduce_combine(partials, blocks, out).
        unsafe { b.launch(cfg) }.map_err(|e| gpu_err("launching cbrng_reduce_combine", e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The format tables of the raw entry point agree with the `Float`
    /// types and with `DType`.
    #[test]
    fn format_tables_agree_with_the_float_types() {
        fn check<T: Float>() {
            let i = format_index::<T>();
            assert_eq!(FORMATS[i], T::NAME);
            assert_eq!(FORMAT_BITS[i], u64::from(T::BITS));
            let dt: DType = T::NAME.parse().unwrap();
            assert_eq!(dt.size() as u64 * 8, FORMAT_BITS[i]);
            assert_eq!(dt.name(), FORMATS[i]);
        }
        check::<f32>();
        check::<f64>();
        check::<half::f16>();
        check::<half::bf16>();
    }
}

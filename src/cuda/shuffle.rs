//! The random-access permutation on the GPU: the kernels of
//! `kernels/shuffle.cu` launched on the handle's stream into the caller's
//! device buffers, bit for bit [`Permutation`] on the CPU.

use super::gpu::gpu_err;
use super::{Gpu, kernels, source};
use crate::error::Error;
use crate::shuffle::Permutation;
use cudarc::driver::{CudaFunction, DevicePtr, DevicePtrMut, PushKernelArg, sys};
use std::sync::Arc;

/// The permutation's kernels, loaded into one context, in
/// [`kernels::SHUFFLE_KERNEL_NAMES`]' order.
struct ShuffleKernels(Vec<CudaFunction>);

/// Index of the gather kernel for elements of `size` bytes.
fn gather_slot(size: usize) -> Result<usize, Error> {
    match size {
        1 => Ok(0),
        2 => Ok(1),
        4 => Ok(2),
        8 => Ok(3),
        16 => Ok(4),
        _ => Err(Error::BadParameter {
            reason: format!(
                "the GPU permutes elements of 1, 2, 4, 8 or 16 bytes, not {size} (view the data as one of those)"
            ),
        }),
    }
}

impl Gpu {
    /// Compiles (NVRTC) and loads the permutation's kernels now, unless this
    /// context already has them; the first permutation call does this
    /// otherwise. They are a module of their own (`shuffle`).
    pub fn prepare_shuffle(&self) -> Result<(), Error> {
        self.shuffle_kernels().map(|_| ())
    }

    fn shuffle_kernels(&self) -> Result<Arc<ShuffleKernels>, Error> {
        self.kernels(
            "shuffle",
            || source::SHUFFLE_KERNELS.to_string(),
            &[],
            |module| {
                kernels::SHUFFLE_KERNEL_NAMES
                    .iter()
                    .map(|name| {
                        module
                            .load_function(name)
                            .map_err(|e| gpu_err(&format!("no kernel {name}"), e))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(ShuffleKernels)
            },
        )
    }

    /// `dst[i] = src[p.index(i)]` on the device (a gather: `dst` is `src` in
    /// the shuffled order), both of `p.len()` elements of 1, 2, 4, 8 or 16
    /// bytes; bit for bit [`Permutation::permute`]. Queued on this handle's
    /// stream, no sync, no allocation.
    pub fn permute<T, S: DevicePtr<T>, D: DevicePtrMut<T>>(
        &self,
        p: &Permutation,
        src: &S,
        dst: &mut D,
    ) -> Result<(), Error> {
        if dst.len() as u128 != u128::from(p.len()) {
            return Err(Error::LengthMismatch {
                what: "destination".into(),
                got: dst.len(),
                want: usize::try_from(p.len()).unwrap_or(usize::MAX),
            });
        }
        self.permute_slice(p, 0, src, dst)
    }

    /// Positions `[first, first + dst.len())` of the shuffled array:
    /// `dst[t] = src[p.index(first + t)]`, with `src` of `p.len()` elements
    /// (a rank's or a batch's share of an epoch, made on its own).
    pub fn permute_slice<T, S: DevicePtr<T>, D: DevicePtrMut<T>>(
        &self,
        p: &Permutation,
        first: u64,
        src: &S,
        dst: &mut D,
    ) -> Result<(), Error> {
        let size = std::mem::size_of::<T>();
        let slot = gather_slot(size)?;
        if src.len() as u128 != u128::from(p.len()) {
            return Err(Error::LengthMismatch {
                what: "source".into(),
                got: src.len(),
                want: usize::try_from(p.len()).unwrap_or(usize::MAX),
            });
        }
        let count = dst.len();
        check_positions(p, first, count)?;
        if count == 0 {
            return Ok(());
        }
        let (sp, _rs) = src.device_ptr(&self.stream);
        let (dp, _rd) = dst.device_ptr_mut(&self.stream);
        self.check_buffer("source", sp, size)?;
        self.check_buffer("destination", dp, size)?;
        // SAFETY: sp addresses p.len() elements and dp `count` elements of
        // `size` bytes (checked above); the kernel reads src below p.len()
        // and writes dst below count.
        unsafe { self.launch_permutation(slot, p, first, count as u64, sp, dp) }
    }

    /// `out[t] = p.index(first + t)` on the device.
    pub fn permutation_indices<D: DevicePtrMut<u64>>(
        &self,
        p: &Permutation,
        first: u64,
        out: &mut D,
    ) -> Result<(), Error> {
        self.index_kernel(5, p, first, out)
    }

    /// `out[t] = p.inverse(first + t)` on the device.
    pub fn permutation_inverses<D: DevicePtrMut<u64>>(
        &self,
        p: &Permutation,
        first: u64,
        out: &mut D,
    ) -> Result<(), Error> {
        self.index_kernel(6, p, first, out)
    }

    fn index_kernel<D: DevicePtrMut<u64>>(
        &self,
        slot: usize,
        p: &Permutation,
        first: u64,
        out: &mut D,
    ) -> Result<(), Error> {
        let count = out.len();
        check_positions(p, first, count)?;
        if count == 0 {
            return Ok(());
        }
        let (op, _r) = out.device_ptr_mut(&self.stream);
        self.check_buffer("output", op, 8)?;
        // SAFETY: op addresses `count` u64 (checked above).
        unsafe { self.launch_permutation(slot, p, first, count as u64, 0, op) }
    }

    /// Queues kernel `slot` of [`kernels::SHUFFLE_KERNEL_NAMES`] over
    /// `count` positions from `first` (gathers take `src` then `dst`; the
    /// index kernels only `dst`).
    ///
    /// # Safety
    /// `dst` addresses `count` elements of the kernel's type and `src` (for
    /// a gather) `p.len()`, in this context, alive until the kernel ran.
    unsafe fn launch_permutation(
        &self,
        slot: usize,
        p: &Permutation,
        first: u64,
        count: u64,
        src: sys::CUdeviceptr,
        dst: sys::CUdeviceptr,
    ) -> Result<(), Error> {
        let k = self.shuffle_kernels()?;
        let f = &k.0[slot];
        let w = p.round_key_words();
        let n = p.len();
        let cfg = self.grid_stride_config(count);
        let mut b = self.stream.launch_builder(f);
        if slot < 5 {
            b.arg(&src);
        }
        b.arg(&dst).arg(&n).arg(&first).arg(&count);
        for x in &w {
            b.arg(x);
        }
        // SAFETY: the arguments match kernels/shuffle.cu's signatures
        // ([src,] dst, n, first, count, w0..w5); the pointers are the
        // caller's promise; the block size is THREADS.
        unsafe { b.launch(cfg) }.map(|_| ()).map_err(|e| {
            gpu_err(
                &format!("launching {}", kernels::SHUFFLE_KERNEL_NAMES[slot]),
                e,
            )
        })
    }
}

/// Positions `[first, first + count)` must lie in `[0, n)`.
fn check_positions(p: &Permutation, first: u64, count: usize) -> Result<(), Error> {
    let end = u128::from(first) + count as u128;
    if end > u128::from(p.len()) {
        return Err(Error::BadParameter {
            reason: format!(
                "positions [{first}, {end}) pass the permutation's size {}",
                p.len()
            ),
        });
    }
    Ok(())
}

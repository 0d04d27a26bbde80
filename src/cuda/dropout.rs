//! Dropout on the GPU: the kernels of `kernels/dropout.cu` launched on the
//! handle's stream into the caller's device buffers, bit for bit what
//! [`Dropout`] gives on the CPU.

use super::gpu::{check_device_index, gpu_err, key_words};
use super::{Gpu, kernels, source};
use crate::dist::DType;
use crate::dist::dropout::DropoutElement;
use crate::dropout::{Dropout, bitmask_words, check_len};
use crate::error::Error;
use crate::generator::Algorithm;
use cudarc::driver::{CudaFunction, CudaViewMut, DevicePtr, DevicePtrMut, PushKernelArg, sys};
use std::collections::HashMap;
use std::sync::Arc;

/// Device masks that [`Gpu::dropout_forward_with_mask`] writes in the same
/// pass: one byte per element (1 = kept) and/or a packed bitmask
/// ([`bitmask_words`]`(n)` u32 words, bit `j` of word `w` is element `32w + j`,
/// 1 = kept, bits past the end 0). Views come from `CudaSlice::as_view_mut`
/// or `slice_mut`.
#[derive(Debug, Default)]
pub struct DeviceMaskOut<'a> {
    /// One byte per element.
    pub bytes: Option<CudaViewMut<'a, u8>>,
    /// Packed bits.
    pub bits: Option<CudaViewMut<'a, u32>>,
}

/// Raw device pointers of one dropout launch (0 = absent).
struct Pointers {
    x: sys::CUdeviceptr,
    y: sys::CUdeviceptr,
    bytes: sys::CUdeviceptr,
    bits: sys::CUdeviceptr,
}

/// One generator's dropout kernels by dtype name, loaded into one context.
struct DropoutKernels(HashMap<&'static str, CudaFunction>);

impl Gpu {
    /// Compiles (NVRTC) and loads `algo`'s dropout kernels now, unless this
    /// context already has them; the first dropout call does this otherwise.
    /// They are a module of their own, so programs that only fill never
    /// compile them.
    pub fn prepare_dropout(&self, algo: Algorithm) -> Result<(), Error> {
        self.dropout_kernels(algo).map(|_| ())
    }

    /// `algo`'s dropout kernels (module `<algo>/dropout`).
    fn dropout_kernels(&self, algo: Algorithm) -> Result<Arc<DropoutKernels>, Error> {
        let gname = kernels::generator_name(algo);
        self.kernels(
            &format!("{algo}/dropout"),
            || source::DROPOUT_KERNELS.to_string(),
            &kernels::module_defines(algo),
            |module| {
                let mut by_dtype = HashMap::new();
                for dt in kernels::DROPOUT_DTYPES {
                    let name = format!("cbrng_dropout_{gname}_{dt}");
                    let f = module
                        .load_function(&name)
                        .map_err(|e| gpu_err(&format!("no kernel {name}"), e))?;
                    by_dtype.insert(dt, f);
                }
                Ok(DropoutKernels(by_dtype))
            },
        )
    }
    /// Forward pass on the device: `y[i]` is `x[i]` dropped or scaled, the
    /// elements at stream offset `offset`; queued on this handle's stream,
    /// no sync, no allocation.
    pub fn dropout_forward<T, X, Y>(
        &self,
        d: &Dropout,
        offset: u64,
        x: &X,
        y: &mut Y,
    ) -> Result<(), Error>
    where
        T: DropoutElement,
        X: DevicePtr<T>,
        Y: DevicePtrMut<T>,
    {
        self.dropout_forward_with_mask(d, offset, x, y, DeviceMaskOut::default())
    }

    /// Forward pass in place.
    pub fn dropout_forward_in_place<T, Y>(
        &self,
        d: &Dropout,
        offset: u64,
        xy: &mut Y,
    ) -> Result<(), Error>
    where
        T: DropoutElement,
        Y: DevicePtrMut<T>,
    {
        let n = xy.len();
        let (p, _record) = xy.device_ptr_mut(&self.stream);
        let ptrs = Pointers {
            x: p,
            y: p,
            bytes: 0,
            bits: 0,
        };
        // SAFETY: `p` addresses `n` elements of T, read and written by the same thread.
        unsafe { self.launch_dropout(d, T::DTYPE, offset, n, ptrs) }
    }

    /// Forward pass that also writes the masks in `mask`.
    pub fn dropout_forward_with_mask<T, X, Y>(
        &self,
        d: &Dropout,
        offset: u64,
        x: &X,
        y: &mut Y,
        mask: DeviceMaskOut<'_>,
    ) -> Result<(), Error>
    where
        T: DropoutElement,
        X: DevicePtr<T>,
        Y: DevicePtrMut<T>,
    {
        let n = x.len();
        check_len("output", y.len(), n)?;
        let DeviceMaskOut {
            mut bytes,
            mut bits,
        } = mask;
        if let Some(b) = &bytes {
            check_len("byte mask", b.len(), n)?;
        }
        if let Some(b) = &bits {
            check_len("bitmask (words)", b.len(), bitmask_words(n))?;
        }
        let (xp, _rx) = x.device_ptr(&self.stream);
        let (yp, _ry) = y.device_ptr_mut(&self.stream);
        let (bp, _rb) = match bytes.as_mut() {
            Some(b) => {
                let (p, r) = b.device_ptr_mut(&self.stream);
                (p, Some(r))
            }
            None => (0, None),
        };
        let (wp, _rw) = match bits.as_mut() {
            Some(b) => {
                let (p, r) = b.device_ptr_mut(&self.stream);
                (p, Some(r))
            }
            None => (0, None),
        };
        let ptrs = Pointers {
            x: xp,
            y: yp,
            bytes: bp,
            bits: wp,
        };
        // SAFETY: every pointer addresses as many elements as checked above.
        unsafe { self.launch_dropout(d, T::DTYPE, offset, n, ptrs) }
    }

    /// Backward pass on the device: `dx[i]` is `dy[i]` dropped or scaled by
    /// the forward pass's mask at the same offset, regenerated.
    pub fn dropout_backward<T, X, Y>(
        &self,
        d: &Dropout,
        offset: u64,
        dy: &X,
        dx: &mut Y,
    ) -> Result<(), Error>
    where
        T: DropoutElement,
        X: DevicePtr<T>,
        Y: DevicePtrMut<T>,
    {
        self.dropout_forward(d, offset, dy, dx)
    }

    /// Backward pass in place.
    pub fn dropout_backward_in_place<T, Y>(
        &self,
        d: &Dropout,
        offset: u64,
        g: &mut Y,
    ) -> Result<(), Error>
    where
        T: DropoutElement,
        Y: DevicePtrMut<T>,
    {
        self.dropout_forward_in_place(d, offset, g)
    }

    /// The mask as bytes (1 = kept) into a device buffer.
    pub fn dropout_mask_bytes<M: DevicePtrMut<u8>>(
        &self,
        d: &Dropout,
        offset: u64,
        out: &mut M,
    ) -> Result<(), Error> {
        let n = out.len();
        let (p, _r) = out.device_ptr_mut(&self.stream);
        let ptrs = Pointers {
            x: 0,
            y: 0,
            bytes: p,
            bits: 0,
        };
        // SAFETY: `p` addresses `n` bytes.
        unsafe { self.launch_dropout(d, DType::F32, offset, n, ptrs) }
    }

    /// The mask of `count` elements as a packed bitmask into a device buffer
    /// of [`bitmask_words`]`(count)` words.
    pub fn dropout_mask_bits<M: DevicePtrMut<u32>>(
        &self,
        d: &Dropout,
        offset: u64,
        count: usize,
        out: &mut M,
    ) -> Result<(), Error> {
        check_len("bitmask (words)", out.len(), bitmask_words(count))?;
        let (p, _r) = out.device_ptr_mut(&self.stream);
        let ptrs = Pointers {
            x: 0,
            y: 0,
            bytes: 0,
            bits: p,
        };
        // SAFETY: `p` addresses bitmask_words(count) words.
        unsafe { self.launch_dropout(d, DType::F32, offset, count, ptrs) }
    }

    /// Dropout on raw device memory in this handle's context: `count`
    /// elements of `dtype` (f32, f64, f16 or bf16) read from `x` and written
    /// to `y` (the same pointer for in place; both 0 for masks only), the
    /// byte mask to `mask_bytes` and the packed bitmask to `mask_bits` (each
    /// 0 when not wanted). Forward and backward are this same call.
    ///
    /// # Safety
    /// Each non-zero pointer must address `count` elements of its type
    /// (`mask_bits`: [`bitmask_words`]`(count)` u32 words) of device memory
    /// in this context that stay allocated until the kernel has run.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn dropout_raw(
        &self,
        d: &Dropout,
        dtype: DType,
        offset: u64,
        count: usize,
        x: sys::CUdeviceptr,
        y: sys::CUdeviceptr,
        mask_bytes: sys::CUdeviceptr,
        mask_bits: sys::CUdeviceptr,
    ) -> Result<(), Error> {
        let ptrs = Pointers {
            x,
            y,
            bytes: mask_bytes,
            bits: mask_bits,
        };
        // SAFETY: the caller's promise.
        unsafe { self.launch_dropout(d, dtype, offset, count, ptrs) }
    }

    /// Queues `cbrng_dropout_<gen>_<dtype>` over `count` elements.
    ///
    /// # Safety
    /// Each non-zero pointer addresses `count` elements of its type (bitmask:
    /// `bitmask_words(count)` words) in this context, alive until the kernel ran.
    unsafe fn launch_dropout(
        &self,
        d: &Dropout,
        dtype: DType,
        offset: u64,
        count: usize,
        ptrs: Pointers,
    ) -> Result<(), Error> {
        d.check_range(offset, count)?;
        check_device_index("dropout calls", offset, count)?;
        if count == 0 {
            return Ok(());
        }
        for (what, p, align) in [
            ("input", ptrs.x, dtype.size()),
            ("output", ptrs.y, dtype.size()),
            ("byte mask", ptrs.bytes, 1),
            ("bitmask", ptrs.bits, 4),
        ] {
            if p != 0 {
                self.check_buffer(what, p, align)?;
            }
        }
        let stream = d.stream();
        let algo = stream.algorithm();
        let m = self.dropout_kernels(algo)?;
        let f = m.0.get(dtype.name()).ok_or_else(|| Error::DTypeMismatch {
            dist: "dropout".into(),
            dtype: dtype.to_string(),
            allowed: "f32, f64, f16, bf16".into(),
        })?;
        // One thread per 16 bytes of the tensor (kernels/cbrng/dropout.cuh).
        let per_group = (16 / dtype.size()) as u64;
        let groups = (count as u64).div_ceil(per_group);
        let k = key_words(stream);
        let (count, id, t) = (count as u64, stream.id(), d.threshold());
        let scale = d.scale();
        let cfg = self.grid_stride_config(groups);
        let mut b = self.stream.launch_builder(f);
        b.arg(&ptrs.x)
            .arg(&ptrs.y)
            .arg(&ptrs.bytes)
            .arg(&ptrs.bits)
            .arg(&count)
            .arg(&offset)
            .arg(&id)
            .arg(&k[0])
            .arg(&k[1])
            .arg(&k[2])
            .arg(&k[3])
            .arg(&t)
            .arg(&scale.s32)
            .arg(&scale.s64);
        // SAFETY: the arguments match cbrng_dropout_<gen>_<dtype> in
        // kernels/dropout.cu (x, y, mask, bits, count, offset, stream,
        // k0..k3, threshold, s32, s64); the block size (THREADS) is a multiple of 32; the
        // pointers are the caller's promise.
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(|e| gpu_err(&format!("launching {algo} dropout {dtype}"), e))
    }
}

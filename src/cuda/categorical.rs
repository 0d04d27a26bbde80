//! The categorical fill on the GPU: the table of
//! [`crate::dist::categorical::Categorical`] uploaded once
//! ([`Gpu::upload_categorical`]), then filled from like any distribution
//! ([`Gpu::fill_categorical`]); the kernel (`cbrng_fill_<gen>_categorical_*`
//! in kernels/fill.cu, `cbrng_categorical_index` in
//! kernels/cbrng/categorical.cuh) runs the CPU's binary search on u64
//! element i of the stream, so the indices are the CPU's bit for bit.

use super::gpu::{Gpu, check_device_index, gpu_err, key_words};
use super::kernels;
use crate::dist::categorical::{Categorical, CategoricalIndex};
use crate::dist::{DType, Distribution};
use crate::error::Error;
use crate::stream::Stream;
use cudarc::driver::{CudaSlice, DevicePtr, DevicePtrMut, PushKernelArg};

/// A [`Categorical`]'s threshold table in one GPU's memory.
pub struct DeviceCategorical {
    table: CudaSlice<u64>,
    len: u64,
}

impl DeviceCategorical {
    /// The number of thresholds (one less than the last non-zero weight's index + 1).
    pub fn len(&self) -> u64 {
        self.len
    }
    /// True when the table has no thresholds (one non-zero weight: every index is it).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Gpu {
    /// Copies `c`'s thresholds to this GPU (once; reuse it for every fill).
    pub fn upload_categorical(&self, c: &Categorical) -> Result<DeviceCategorical, Error> {
        let t = c.thresholds();
        // A zero-length allocation is refused by some drivers: keep one word.
        let host: Vec<u64> = if t.is_empty() { vec![0] } else { t.to_vec() };
        let table = self
            .stream()
            .clone_htod(&host)
            .map_err(|e| gpu_err("copying the categorical table", e))?;
        Ok(DeviceCategorical {
            table,
            len: t.len() as u64,
        })
    }

    /// Fills `out` (u32, u64, i32 or i64 on this GPU) with the indices of u64
    /// elements `[offset, offset + len)` of `stream`, as
    /// [`Categorical::fill`] does on the CPU. Queued on this handle's stream;
    /// `table` must stay alive until the kernel has run (dropping it frees
    /// its memory in the stream's order).
    pub fn fill_categorical<T: CategoricalIndex, D: DevicePtrMut<T>>(
        &self,
        stream: &Stream,
        table: &DeviceCategorical,
        offset: u64,
        out: &mut D,
    ) -> Result<(), Error> {
        let dtype = T::DTYPE;
        let name = match dtype {
            DType::U32 | DType::I32 => "categorical_u32",
            _ => "categorical_u64",
        };
        let count = out.len();
        let bits = Distribution::Bits.prepare(DType::U64)?;
        stream.check_range(offset.into(), count as u128, stream.len_of(&bits))?;
        check_device_index("fills", offset, count)?;
        if count == 0 {
            return Ok(());
        }
        let (ptr, _record) = out.device_ptr_mut(self.stream());
        self.check_buffer("output", ptr, dtype.size())?;
        let algo = stream.algorithm();
        let m = self.module(algo)?;
        let f = &m.fills[name];
        let e = kernels::group_elements_of(algo, name, dtype);
        let count = count as u64;
        let groups = (offset + (count - 1)) / e - offset / e + 1;
        let k = key_words(stream);
        let (tp, _rt) = table.table.device_ptr(self.stream());
        let (id, len, f0, f1) = (stream.id(), table.len, 0.0f64, 0.0f64);
        let cfg = self.grid_stride_config(groups);
        let mut b = self.stream().launch_builder(f);
        b.arg(&ptr)
            .arg(&count)
            .arg(&offset)
            .arg(&id)
            .arg(&k[0])
            .arg(&k[1])
            .arg(&k[2])
            .arg(&k[3])
            .arg(&tp)
            .arg(&len)
            .arg(&f0)
            .arg(&f1);
        // SAFETY: the arguments match the fill kernels' signature (out,
        // count, offset, stream, k0..k3, p0 = the table's device address,
        // p1 = its length, f0, f1), `ptr` addresses `count` elements of the
        // kernel's type, and the table holds `len` u64 words (the kernel
        // reads only inside it).
        unsafe { b.launch(cfg) }
            .map(|_| ())
            .map_err(|e| gpu_err(&format!("launching {algo} categorical"), e))
    }
}

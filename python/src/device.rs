//! Device arrays (PyTorch CUDA tensors, CuPy arrays, Numba device arrays,
//! DLPack producers) filled in place, dropped out and summed exactly by
//! `cbrng::cuda` on the array's own CUDA stream. `cbrng/_device.py` reads
//! `__cuda_array_interface__` or a DLPack capsule (pointer, size, dtype,
//! device, stream) and calls here; the crate checks that the pointer is
//! device memory of that device, aligned, before any launch.

use crate::reduce::PySumState;
use crate::{PyStream, distribution, err};
use pyo3::prelude::*;

#[cfg(feature = "cuda")]
pub(crate) mod imp {
    use super::*;
    use cbrng::cuda::Gpu;
    use cbrng::cudarc::driver::sys;
    use cbrng::dist::DType;
    use cbrng::dropout::Dropout;
    use std::str::FromStr;
    use std::sync::Mutex;

    /// One handle per device (its primary context, the one PyTorch and CuPy
    /// use), made on first use; the kernels it compiles are kept.
    fn gpu(device: usize) -> Result<Gpu, cbrng::Error> {
        static GPUS: Mutex<Vec<Option<Gpu>>> = Mutex::new(Vec::new());
        let mut gpus = GPUS.lock().unwrap_or_else(|p| p.into_inner());
        if gpus.len() <= device {
            gpus.resize(device + 1, None);
        }
        if let Some(g) = &gpus[device] {
            return Ok(g.clone());
        }
        let g = Gpu::new(device)?;
        gpus[device] = Some(g.clone());
        Ok(g)
    }

    /// The handle of `device` queuing on the caller's stream (a `CUstream`
    /// as an integer; 0 is the legacy default stream).
    pub(crate) fn on_stream(device: usize, cu_stream: usize) -> Result<Gpu, cbrng::Error> {
        let g = gpu(device)?;
        // SAFETY: the stream handle comes from the array's owner (its
        // __cuda_array_interface__ or the framework's current stream), which
        // keeps it alive during the call; work is ordered on that stream.
        let s = unsafe { g.context().wrap_borrowed_stream(cu_stream as sys::CUstream) };
        g.with_stream(s)
    }

    /// The device of an array: its own word, or (None) the driver's for
    /// the memory at `ptr`.
    pub(crate) fn device_of(device: Option<usize>, ptr: u64) -> Result<usize, cbrng::Error> {
        match device {
            Some(d) => Ok(d),
            None => cbrng::cuda::pointer_device(ptr),
        }
    }

    /// Waits for the queued work when `wait` (DLPack arrays, whose owner's
    /// later work is not ordered after the legacy default stream's).
    pub(crate) fn finish(g: &Gpu, wait: bool) -> Result<(), cbrng::Error> {
        if wait {
            g.stream().synchronize().map_err(|e| cbrng::Error::Gpu {
                reason: format!("synchronising the stream: {e:?}"),
            })?;
        }
        Ok(())
    }

    #[pyfunction]
    #[pyo3(signature = (stream, dist, dtype, offset, ptr, count, device, cu_stream, *, mean = None, std = None, p = None, low = None, high = None, wait = false))]
    #[allow(clippy::too_many_arguments)]
    pub fn _cuda_fill(
        py: Python<'_>,
        stream: &Bound<'_, PyStream>,
        dist: &str,
        dtype: &str,
        offset: u64,
        ptr: u64,
        count: usize,
        device: Option<usize>,
        cu_stream: usize,
        mean: Option<f64>,
        std: Option<f64>,
        p: Option<f64>,
        low: Option<i128>,
        high: Option<i128>,
        wait: bool,
    ) -> PyResult<()> {
        let d = distribution(dist, mean, std, p, low, high)?;
        let prepared = d
            .prepare(DType::from_str(dtype).map_err(err)?)
            .map_err(err)?;
        let s = stream.get().inner;
        py.detach(|| {
            let g = on_stream(device_of(device, ptr)?, cu_stream)?;
            // SAFETY: `ptr` addresses `count` elements of `dtype` (the
            // array's own description), writable, owned by the caller's
            // array, which outlives the queued kernel as long as the caller
            // keeps it (the framework's stream-ordered allocators do).
            unsafe { g.fill_raw(&s, &prepared, offset, ptr, count) }?;
            finish(&g, wait)
        })
        .map_err(err)
    }

    #[pyfunction]
    #[pyo3(signature = (stream, p, dtype, offset, count, x, y, mask, device, cu_stream, wait = false))]
    #[allow(clippy::too_many_arguments)]
    pub fn _cuda_dropout(
        py: Python<'_>,
        stream: &Bound<'_, PyStream>,
        p: f64,
        dtype: &str,
        offset: u64,
        count: usize,
        x: u64,
        y: u64,
        mask: u64,
        device: Option<usize>,
        cu_stream: usize,
        wait: bool,
    ) -> PyResult<()> {
        let d = Dropout::new(stream.get().inner, p).map_err(err)?;
        let dt = DType::from_str(dtype).map_err(err)?;
        py.detach(|| {
            let g = on_stream(device_of(device, x)?, cu_stream)?;
            // SAFETY: as in _cuda_fill, for x, y (count elements of dtype)
            // and the byte mask (count bytes, or 0 for none).
            unsafe { g.dropout_raw(&d, dt, offset, count, x, y, mask, 0) }?;
            finish(&g, wait)
        })
        .map_err(err)
    }

    /// Adds the exact sum of `count` elements of `dtype` (f32, f64, f16,
    /// bf16) at device address `ptr` to `state`, summed on the GPU on the
    /// caller's stream (`Gpu::sum_state_raw`: the CPU's state, bit for bit).
    /// `device` is the array's device ordinal, or None to ask the driver
    /// which device holds `ptr`. Waits for the result, without the GIL.
    #[pyfunction]
    #[pyo3(signature = (state, dtype, ptr, count, device, cu_stream))]
    pub fn _cuda_sum_add(
        py: Python<'_>,
        state: &Bound<'_, PySumState>,
        dtype: &str,
        ptr: u64,
        count: usize,
        device: Option<usize>,
        cu_stream: usize,
    ) -> PyResult<()> {
        let dt = DType::from_str(dtype).map_err(err)?;
        if count == 0 && matches!(dt, DType::F32 | DType::F64 | DType::F16 | DType::BF16) {
            return Ok(()); // the empty sum: no pointer, device or stream needed
        }
        let acc = py
            .detach(|| {
                let g = on_stream(device_of(device, ptr)?, cu_stream)?;
                // SAFETY: `ptr` addresses `count` elements of `dtype` (the
                // array's own description), owned by the caller's array,
                // which outlives this call (it waits for the kernels).
                unsafe { g.sum_state_raw(dt, ptr, count) }
            })
            .map_err(err)?;
        state.borrow_mut().acc.merge(&acc).map_err(err)
    }

    /// The `nbytes` bytes of device memory at `ptr`, copied to the host on
    /// the caller's stream (`Gpu::copy_raw_to_host`): what the exact
    /// reductions without device kernels (`exact_dot` and the others) read.
    /// Waits for the copy, without the GIL.
    #[pyfunction]
    #[pyo3(signature = (ptr, nbytes, device, cu_stream))]
    pub fn _cuda_copy_to_host<'py>(
        py: Python<'py>,
        ptr: u64,
        nbytes: usize,
        device: Option<usize>,
        cu_stream: usize,
    ) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        if nbytes == 0 {
            return Ok(pyo3::types::PyBytes::new(py, &[]));
        }
        let bytes = py
            .detach(|| {
                let g = on_stream(device_of(device, ptr)?, cu_stream)?;
                // SAFETY: `ptr` addresses `nbytes` bytes (the array's own
                // description), owned by the caller's array, which outlives
                // this call (it waits for the copy).
                unsafe { g.copy_raw_to_host(ptr, nbytes) }
            })
            .map_err(err)?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }
}

#[cfg(not(feature = "cuda"))]
mod imp {
    use super::*;
    use pyo3::exceptions::PyRuntimeError;

    fn missing() -> PyErr {
        PyRuntimeError::new_err("GPU: this build of cbrng has no CUDA support (feature cuda)")
    }

    #[pyfunction]
    #[pyo3(signature = (*_args, **_kwargs))]
    pub fn _cuda_fill(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<()> {
        let _ = (distribution, err, std::marker::PhantomData::<PyStream>);
        Err(missing())
    }

    #[pyfunction]
    #[pyo3(signature = (*_args, **_kwargs))]
    pub fn _cuda_dropout(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<()> {
        Err(missing())
    }

    #[pyfunction]
    #[pyo3(signature = (*_args, **_kwargs))]
    pub fn _cuda_sum_add(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<()> {
        let _ = std::marker::PhantomData::<PySumState>;
        Err(missing())
    }

    #[pyfunction]
    #[pyo3(signature = (*_args, **_kwargs))]
    pub fn _cuda_copy_to_host(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<()> {
        Err(missing())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(imp::_cuda_fill, m)?)?;
    m.add_function(wrap_pyfunction!(imp::_cuda_dropout, m)?)?;
    m.add_function(wrap_pyfunction!(imp::_cuda_sum_add, m)?)?;
    m.add_function(wrap_pyfunction!(imp::_cuda_copy_to_host, m)?)?;
    m.add("_HAS_CUDA", cfg!(feature = "cuda"))?;
    Ok(())
}

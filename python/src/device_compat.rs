//! The compat streams into CUDA arrays (PyTorch CUDA tensors, CuPy arrays,
//! DLPack producers): `cbrng::cuda::compat`'s kernels write cuRAND's,
//! PyTorch's and JAX's values in place, on the array's own stream, as
//! `device::_cuda_fill` does for `Stream.fill`. `cbrng/compat/_out.py`
//! reads and checks the array (dtype, C order, writable, size) and calls
//! here; the crate checks the launch's parameters and that the pointer is
//! aligned device memory of that device before any launch. NumPy's
//! generator has no device kernel (the Python side refuses CUDA arrays).

use crate::compat::{JaxKey, TorchGenerator};
use crate::err;
use pyo3::prelude::*;

#[cfg(feature = "cuda")]
mod imp {
    use super::*;
    use crate::device::imp::{device_of, finish, on_stream};
    use cbrng::compat::torch::DropoutDType;
    use cbrng::cuda::compat::{CompatDType, CurandFn, JaxFn, TorchOp};
    use pyo3::exceptions::PyValueError;

    /// `count` calls of the cuRAND function `func` (`curand`, `uniform`,
    /// `uniform4`, `uniform-double`, `normal`, `normal2`, `normal-double`,
    /// `log-normal`) after `curand_init(seed, subsequence, offset)` into
    /// `len` elements of `dtype` at device address `ptr`, queued on the
    /// caller's stream (`Gpu::curand_fill_raw`). `device`: the array's
    /// ordinal, or None to ask the driver. Waits only when `wait` (DLPack).
    #[pyfunction]
    #[pyo3(signature = (func, seed, subsequence, offset, count, mean, std, dtype, ptr, len, device, cu_stream, wait = false))]
    #[allow(clippy::too_many_arguments)]
    pub fn _cuda_curand_fill(
        py: Python<'_>,
        func: &str,
        seed: u64,
        subsequence: u64,
        offset: u64,
        count: u64,
        mean: f32,
        std: f32,
        dtype: &str,
        ptr: u64,
        len: usize,
        device: Option<usize>,
        cu_stream: usize,
        wait: bool,
    ) -> PyResult<()> {
        let f = CurandFn::parse(func).map_err(err)?;
        let dt = CompatDType::parse(dtype).map_err(err)?;
        py.detach(|| {
            let g = on_stream(device_of(device, ptr)?, cu_stream)?;
            // SAFETY: `ptr` addresses `len` elements of `dtype` (the array's
            // own description, checked by the caller), writable, owned by
            // the caller's array, which outlives the queued kernel as long
            // as the caller keeps it (the frameworks' stream-ordered
            // allocators do).
            unsafe {
                g.curand_fill_raw(f, seed, subsequence, offset, count, mean, std, dt, ptr, len)
            }?;
            finish(&g, wait)
        })
        .map_err(err)
    }

    /// PyTorch's CUDA kernel for `op` (`uniform` with `a`, `b` = from, to;
    /// `normal` with `a`, `b` = mean, std; `bernoulli` with `a` = p;
    /// `dropout_mask` with `a` = p and `input` = the input's dtype
    /// `float32|float64|float16|bfloat16`) into `len` elements of `dtype` at
    /// `ptr`, for `generator`'s seed, offset and launch geometry
    /// (`Gpu::torch_fill_raw`). The generator's philox offset advances as
    /// the CPU replay's, and only once the launch is queued.
    #[pyfunction]
    #[pyo3(signature = (generator, op, a, b, input, dtype, ptr, len, device, cu_stream, wait = false))]
    #[allow(clippy::too_many_arguments)]
    pub fn _cuda_torch_fill(
        py: Python<'_>,
        generator: &Bound<'_, TorchGenerator>,
        op: &str,
        a: f64,
        b: f64,
        input: Option<&str>,
        dtype: &str,
        ptr: u64,
        len: usize,
        device: Option<usize>,
        cu_stream: usize,
        wait: bool,
    ) -> PyResult<()> {
        let op = match op {
            "uniform" => TorchOp::Uniform { from: a, to: b },
            "normal" => TorchOp::Normal { mean: a, std: b },
            "bernoulli" => TorchOp::Bernoulli { p: a },
            "dropout_mask" => {
                let input = match input {
                    Some("float32") => DropoutDType::F32,
                    Some("float64") => DropoutDType::F64,
                    Some("float16") => DropoutDType::F16,
                    Some("bfloat16") => DropoutDType::BF16,
                    other => {
                        return Err(PyValueError::new_err(format!(
                            "torch dropout: unsupported input dtype {} (expected float32, float64, float16 or bfloat16)",
                            other.unwrap_or("None")
                        )));
                    }
                };
                TorchOp::DropoutMask { p: a, input }
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "torch: unknown op '{other}' (expected uniform, normal, bernoulli or dropout_mask)"
                )));
            }
        };
        let dt = CompatDType::parse(dtype).map_err(err)?;
        // Held through the call: another thread's use of this generator
        // meanwhile is an error ("already borrowed"), never a lost update.
        let mut held = generator.borrow_mut();
        let (start, geom) = (held.g, held.geom);
        let (next, done) = py.detach(|| {
            let mut state = start;
            let r = device_of(device, ptr)
                .and_then(|d| on_stream(d, cu_stream))
                .and_then(|g| {
                    // SAFETY: as in _cuda_curand_fill, for `len` elements of
                    // `dtype` at `ptr`.
                    unsafe { g.torch_fill_raw(&mut state, geom, op, dt, ptr, len) }?;
                    Ok(g)
                });
            // The generator moves once the launch is queued (torch_fill_raw
            // leaves `state` unchanged otherwise), whatever the wait gives.
            (state, r.and_then(|g| finish(&g, wait)))
        });
        held.g = next;
        done.map_err(err)
    }

    /// `jax.random.bits` (`func` = `bits`), `uniform` or `normal` (XLA:GPU's
    /// arithmetic) for `key` into `len` elements of `dtype` at `ptr`
    /// (`Gpu::jax_fill_raw`).
    #[pyfunction]
    #[pyo3(signature = (key, func, dtype, ptr, len, device, cu_stream, wait = false))]
    #[allow(clippy::too_many_arguments)]
    pub fn _cuda_jax_fill(
        py: Python<'_>,
        key: &Bound<'_, JaxKey>,
        func: &str,
        dtype: &str,
        ptr: u64,
        len: usize,
        device: Option<usize>,
        cu_stream: usize,
        wait: bool,
    ) -> PyResult<()> {
        let f = match func {
            "bits" => JaxFn::Bits,
            "uniform" => JaxFn::Uniform,
            "normal" => JaxFn::Normal,
            other => {
                return Err(PyValueError::new_err(format!(
                    "jax: unknown function '{other}' (expected bits, uniform or normal)"
                )));
            }
        };
        let dt = CompatDType::parse(dtype).map_err(err)?;
        let (k, cfg) = {
            let k = key.get();
            (k.key, k.cfg)
        };
        py.detach(|| {
            let g = on_stream(device_of(device, ptr)?, cu_stream)?;
            // SAFETY: as in _cuda_curand_fill, for `len` elements of `dtype`
            // at `ptr`.
            unsafe { g.jax_fill_raw(f, &k, cfg, dt, ptr, len) }?;
            finish(&g, wait)
        })
        .map_err(err)
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
    pub fn _cuda_curand_fill(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<()> {
        let _ = (
            err,
            std::marker::PhantomData::<JaxKey>,
            std::marker::PhantomData::<TorchGenerator>,
        );
        Err(missing())
    }

    #[pyfunction]
    #[pyo3(signature = (*_args, **_kwargs))]
    pub fn _cuda_torch_fill(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<()> {
        Err(missing())
    }

    #[pyfunction]
    #[pyo3(signature = (*_args, **_kwargs))]
    pub fn _cuda_jax_fill(
        _args: &Bound<'_, pyo3::types::PyTuple>,
        _kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
    ) -> PyResult<()> {
        Err(missing())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(imp::_cuda_curand_fill, m)?)?;
    m.add_function(wrap_pyfunction!(imp::_cuda_torch_fill, m)?)?;
    m.add_function(wrap_pyfunction!(imp::_cuda_jax_fill, m)?)?;
    Ok(())
}

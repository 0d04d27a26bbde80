//! `cbrng._cbrng`: the PyO3 layer of the Python package. It converts
//! arguments, borrows NumPy memory without copying (`arrays`), releases the
//! GIL around the crate's calls and turns `cbrng::Error` into Python
//! exceptions; every number comes from the `cbrng` crate. The Pythonic
//! surface (dtype names, new arrays, NumPy scalars) is `cbrng/__init__.py`.

mod arrays;
mod compat;
mod device;
mod device_compat;
mod dropout;
mod reduce;

use arrays::{Kind, as_untyped, kind_of, slice_mut, write_view};
use cbrng::dist::{Distribution, Element, Prepared};
use cbrng::{Algorithm, CpuOptions, Key, Stream};
use half::{bf16, f16};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::str::FromStr;

/// Outputs up to this many bytes are filled with the GIL held (releasing
/// it costs more than the fill).
pub(crate) const GIL_HELD_BYTES: usize = 4096;
/// Large fills and sums run in pieces of this many bytes, with a check for
/// Ctrl-C (`Python::check_signals`) between pieces: a few milliseconds each.
pub(crate) const CHUNK_BYTES: usize = 16 << 20;
/// Exact sums read in pieces of this many bytes (each piece spreads over
/// the threads: larger pieces start them less often; still well under a
/// second per piece).
pub(crate) const REDUCE_CHUNK_BYTES: usize = 128 << 20;

/// A crate error as a Python exception: `RuntimeError` for the GPU side,
/// `ValueError` for everything else (bad parameters, ranges, states), with
/// the crate's message.
pub(crate) fn err(e: cbrng::Error) -> PyErr {
    match e {
        cbrng::Error::Gpu { .. } => PyRuntimeError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// CPU options for `threads` (None: every core for large work).
pub(crate) fn cpu_options(threads: Option<usize>) -> PyResult<CpuOptions> {
    let o = CpuOptions::auto();
    match threads {
        None => Ok(o),
        Some(t) => o.with_threads(t).map_err(err),
    }
}

/// The thread count of the reductions' API: 0 = automatic.
pub(crate) fn reduce_threads(threads: Option<usize>) -> PyResult<usize> {
    match threads {
        Some(0) => Err(PyValueError::new_err(
            "bad parameter: thread count must be at least 1",
        )),
        Some(t) => Ok(t),
        None => Ok(0),
    }
}

/// Runs `work(first, part)` over consecutive parts of `out`: in one piece
/// with the GIL held when small, otherwise in pieces of [`CHUNK_BYTES`] with
/// the GIL released and Ctrl-C checked between pieces.
pub(crate) fn chunked<T: Send>(
    py: Python<'_>,
    out: &mut [T],
    work: impl Fn(usize, &mut [T]) -> Result<(), cbrng::Error> + Sync,
) -> PyResult<()> {
    let size = std::mem::size_of::<T>().max(1);
    if out.len() * size <= GIL_HELD_BYTES {
        return work(0, out).map_err(err);
    }
    let per = (CHUNK_BYTES / size).max(1);
    for (i, part) in out.chunks_mut(per).enumerate() {
        py.detach(|| work(i * per, part)).map_err(err)?;
        py.check_signals()?;
    }
    Ok(())
}

/// The distribution named `name` with its keyword parameters; a parameter
/// the distribution does not take is an error, not ignored.
pub(crate) fn distribution(
    name: &str,
    mean: Option<f64>,
    std: Option<f64>,
    p: Option<f64>,
    low: Option<i128>,
    high: Option<i128>,
) -> PyResult<Distribution> {
    let given: Vec<&str> = [
        ("mean", mean.is_some()),
        ("std", std.is_some()),
        ("p", p.is_some()),
        ("low", low.is_some()),
        ("high", high.is_some()),
    ]
    .iter()
    .filter(|(_, g)| *g)
    .map(|(n, _)| *n)
    .collect();
    let only = |allowed: &[&str]| -> PyResult<()> {
        match given.iter().find(|g| !allowed.contains(g)) {
            None => Ok(()),
            Some(g) => Err(PyValueError::new_err(format!(
                "bad parameter: distribution {name} does not take {g}{}",
                if allowed.is_empty() {
                    " (it takes no parameters)".to_string()
                } else {
                    format!(" (it takes {})", allowed.join(", "))
                }
            ))),
        }
    };
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "bits" => only(&[]).map(|_| Distribution::Bits),
        "uniform" => only(&[]).map(|_| Distribution::Uniform),
        "normal" => {
            only(&["mean", "std"])?;
            Ok(Distribution::Normal {
                mean: mean.unwrap_or(0.0),
                std: std.unwrap_or(1.0),
            })
        }
        "bernoulli" => {
            only(&["p"])?;
            match p {
                Some(p) => Ok(Distribution::Bernoulli { p }),
                None => Err(PyValueError::new_err(
                    "bad parameter: distribution bernoulli needs p (e.g. p=0.1)",
                )),
            }
        }
        "int" => {
            only(&["low", "high"])?;
            match high {
                Some(hi) => Ok(Distribution::Int {
                    lo: low.unwrap_or(0),
                    hi,
                }),
                None => Err(PyValueError::new_err(
                    "bad parameter: distribution int needs high (exclusive; low defaults to 0)",
                )),
            }
        }
        // The program's spelling: normal:MEAN,STD, bernoulli:P, int:LO..HI.
        // The program's spelling (normal:MEAN,STD, bernoulli:P, int:LO..HI)
        // and contract v2's distributions (exponential, exponential:0.5,
        // uniform:-1,1, cauchy, ...), parameters in the name.
        _ if given.is_empty() => Distribution::from_str(name).map_err(err),
        _ => Err(PyValueError::new_err(format!(
            "bad distribution '{name}': keyword parameters go with bits, uniform, normal, \
             bernoulli or int; give the others' parameters in the name (e.g. 'exponential:0.5')"
        ))),
    }
}

/// A stream of the contract: generator, key and stream id.
///
/// `Stream(algo="philox4x32-10", seed=0, stream=0)` or
/// `Stream(algo, key=[...], stream=0)`.
#[pyclass(frozen, subclass, eq, hash, name = "Stream", module = "cbrng")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyStream {
    pub(crate) inner: Stream,
}

#[pymethods]
impl PyStream {
    #[new]
    #[pyo3(signature = (algo = "philox4x32-10", seed = None, stream = 0, *, key = None))]
    fn new(algo: &str, seed: Option<u64>, stream: u64, key: Option<Vec<u64>>) -> PyResult<Self> {
        let a = Algorithm::from_str(algo).map_err(err)?;
        let k = match (seed, key) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "bad parameter: give a seed or a key, not both",
                ));
            }
            (_, Some(words)) => Key::from_words(a, &words).map_err(err)?,
            (s, None) => Key::from_seed(a, s.unwrap_or(0)).map_err(err)?,
        };
        Ok(PyStream {
            inner: Stream::new(a, k, stream).map_err(err)?,
        })
    }

    /// The generator's name, e.g. `"philox4x32-10"`.
    #[getter]
    fn algo(&self) -> String {
        self.inner.algorithm().to_string()
    }

    /// The key words (as many as the generator takes).
    #[getter]
    fn key(&self) -> Vec<u64> {
        self.inner.key().words().to_vec()
    }

    /// The stream id.
    #[getter]
    fn stream(&self) -> u64 {
        self.inner.id()
    }

    fn __repr__(&self) -> String {
        format!(
            "cbrng.Stream({:?}, key={:?}, stream={})",
            self.inner.algorithm().to_string(),
            self.inner.key().words(),
            self.inner.id()
        )
    }

    fn __getnewargs_ex__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyTuple>, Bound<'py, PyDict>)> {
        let kw = PyDict::new(py);
        kw.set_item("stream", self.inner.id())?;
        kw.set_item("key", self.inner.key().words().to_vec())?;
        Ok((PyTuple::new(py, [self.algo()])?, kw))
    }

    /// Number of elements of `dist` in `dtype` (a cbrng dtype name) that the
    /// stream holds.
    #[pyo3(signature = (dist = "uniform", dtype = "f32", *, mean = None, std = None, p = None, low = None, high = None))]
    #[allow(clippy::too_many_arguments)]
    fn _len(
        &self,
        dist: &str,
        dtype: &str,
        mean: Option<f64>,
        std: Option<f64>,
        p: Option<f64>,
        low: Option<i128>,
        high: Option<i128>,
    ) -> PyResult<u128> {
        let d = distribution(dist, mean, std, p, low, high)?;
        let dt = cbrng::dist::DType::from_str(dtype).map_err(err)?;
        Ok(self.inner.len_of(&d.prepare(dt).map_err(err)?))
    }

    /// Fills `out` in place with elements `[offset, offset + out.size)` of
    /// `dist`, in `out`'s dtype; returns `out`.
    #[pyo3(signature = (out, dist = "uniform", offset = 0, *, mean = None, std = None, p = None, low = None, high = None, threads = None))]
    #[allow(clippy::too_many_arguments)]
    fn fill<'py>(
        slf: &Bound<'py, Self>,
        py: Python<'py>,
        out: Bound<'py, PyAny>,
        dist: &str,
        offset: u128,
        mean: Option<f64>,
        std: Option<f64>,
        p: Option<f64>,
        low: Option<i128>,
        high: Option<i128>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        // A device array (CUDA Array Interface, or DLPack on a CUDA device;
        // PyTorch raises for the interface of dtypes it lacks there):
        // cbrng/_device.py reads it.
        if !out.is_instance_of::<numpy::PyUntypedArray>()
            && (out
                .hasattr(pyo3::intern!(py, "__cuda_array_interface__"))
                .unwrap_or(true)
                || out.hasattr(pyo3::intern!(py, "__dlpack_device__"))?)
            && py
                .import("cbrng._device")?
                .getattr("is_device_array")?
                .call1((&out,))?
                .is_truthy()?
        {
            let kw = pyo3::types::PyDict::new(py);
            for (k, v) in [("mean", mean), ("std", std), ("p", p)] {
                if let Some(v) = v {
                    kw.set_item(k, v)?;
                }
            }
            if let Some(v) = low {
                kw.set_item("low", v)?;
            }
            if let Some(v) = high {
                kw.set_item("high", v)?;
            }
            py.import("cbrng._device")?
                .getattr("fill")?
                .call((slf, &out, dist, offset), Some(&kw))?;
            return Ok(out);
        }
        let d = distribution(dist, mean, std, p, low, high)?;
        let opts = cpu_options(threads)?;
        let a = as_untyped(&out)?;
        let s = &slf.get().inner;
        match kind_of(&a)? {
            Kind::U8 => fill_as::<u8, u8>(py, s, &opts, &d, offset, &a)?,
            Kind::U16 | Kind::BF16 => fill_as::<u16, bf16>(py, s, &opts, &d, offset, &a)?,
            Kind::F16 => fill_as::<u16, f16>(py, s, &opts, &d, offset, &a)?,
            Kind::U32 => fill_as::<u32, u32>(py, s, &opts, &d, offset, &a)?,
            Kind::F32 => fill_as::<u32, f32>(py, s, &opts, &d, offset, &a)?,
            Kind::U64 => fill_as::<u64, u64>(py, s, &opts, &d, offset, &a)?,
            Kind::F64 => fill_as::<u64, f64>(py, s, &opts, &d, offset, &a)?,
            Kind::I32 => fill_as::<u32, i32>(py, s, &opts, &d, offset, &a)?,
            Kind::I64 => fill_as::<u64, i64>(py, s, &opts, &d, offset, &a)?,
            Kind::Bool => fill_bool(py, s, &opts, &d, offset, &a)?,
        }
        Ok(out)
    }
}

/// Checks that elements `[offset, offset + n)` of `prepared` lie in the
/// stream, so that an error leaves the output untouched.
fn check_range(s: &Stream, prepared: &Prepared, offset: u128, n: usize) -> PyResult<()> {
    let len = s.len_of(prepared);
    let n = n as u128;
    if offset.checked_add(n).is_none_or(|end| end > len) {
        return Err(err(cbrng::Error::PastEndOfStream {
            offset,
            count: n,
            algo: s.algorithm().to_string(),
            len,
        }));
    }
    Ok(())
}

/// Fills the array `a` (whose memory holds `T`s, borrowed as `U`s of the
/// same size) with the prepared distribution.
fn fill_as<U, T>(
    py: Python<'_>,
    s: &Stream,
    opts: &CpuOptions,
    d: &Distribution,
    offset: u128,
    a: &Bound<'_, numpy::PyUntypedArray>,
) -> PyResult<()>
where
    U: numpy::Element + bytemuck::Pod,
    T: Element + bytemuck::Pod,
{
    let mut view = write_view::<U>(a, "out")?;
    let prepared: Prepared = d.prepare(T::DTYPE).map_err(err)?;
    let out: &mut [T] = bytemuck::cast_slice_mut(slice_mut(&mut view)?);
    check_range(s, &prepared, offset, out.len())?;
    chunked(py, out, |at, part| {
        s.fill_prepared_with(opts, &prepared, offset + at as u128, T::as_out(part))
    })
}

/// Fills a NumPy `bool` array: its bytes are borrowed as `u8`, set to 0
/// (any byte could be there) and then viewed as `bool` (a checked view:
/// 0 is a valid `bool`), so no invalid `bool` is ever read.
fn fill_bool(
    py: Python<'_>,
    s: &Stream,
    opts: &CpuOptions,
    d: &Distribution,
    offset: u128,
    a: &Bound<'_, numpy::PyUntypedArray>,
) -> PyResult<()> {
    let mut view = write_view::<u8>(a, "out")?;
    let prepared: Prepared = d.prepare(cbrng::dist::DType::Bool).map_err(err)?;
    let out: &mut [u8] = slice_mut(&mut view)?;
    check_range(s, &prepared, offset, out.len())?;
    chunked(py, out, |at, part| {
        part.fill(0);
        let flags: &mut [bool] = bytemuck::checked::cast_slice_mut(part);
        s.fill_prepared_with(opts, &prepared, offset + at as u128, bool::as_out(flags))
    })
}

/// The generators' names, as `Stream(algo=...)` accepts them.
#[pyfunction]
fn algorithms() -> Vec<String> {
    Algorithm::all_default()
        .iter()
        .map(|a| a.to_string())
        .collect()
}

#[pymodule]
fn _cbrng(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyStream>()?;
    m.add_function(wrap_pyfunction!(algorithms, m)?)?;
    m.add("CONTRACT_VERSION", cbrng::stream::CONTRACT_VERSION)?;
    reduce::register(m)?;
    dropout::register(m)?;
    compat::register(m)?;
    device::register(m)?;
    device_compat::register(m)?;
    Ok(())
}

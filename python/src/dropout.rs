//! Deterministic dropout (`cbrng::dropout`) on NumPy arrays.

use crate::arrays::{Kind, as_untyped, kind_of, read_view, slice, slice_mut, write_view};
use crate::{PyStream, cpu_options, err};
use cbrng::dist::dropout::DropoutElement;
use cbrng::dropout::{Dropout, DropoutKeys, MaskOut};
use cbrng::{Algorithm, Key};
use half::{bf16, f16};
use numpy::PyUntypedArray;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use std::str::FromStr;

/// The float kind of a dropout tensor.
fn dropout_kind(a: &Bound<'_, PyUntypedArray>, what: &str) -> PyResult<Kind> {
    match kind_of(a)? {
        k @ (Kind::F16 | Kind::BF16 | Kind::F32 | Kind::F64) => Ok(k),
        k => Err(PyTypeError::new_err(format!(
            "{what} has dtype {}: dropout takes float16, bfloat16, float32 or float64",
            k.numpy_name()
        ))),
    }
}

/// Runs dropout on `x` into `y` (or in place when they are the same array)
/// and the optional byte mask, in pieces with the GIL released when large.
fn run<U, T>(
    py: Python<'_>,
    d: &Dropout,
    offset: u64,
    x: &Bound<'_, PyUntypedArray>,
    y: &Bound<'_, PyUntypedArray>,
    mask: Option<&Bound<'_, PyUntypedArray>>,
) -> PyResult<()>
where
    U: numpy::Element + bytemuck::Pod,
    T: DropoutElement,
{
    let in_place = x.is(y);
    let rx = if in_place {
        None
    } else {
        Some(read_view::<U>(x, "x")?)
    };
    let mut wy = write_view::<U>(y, "out")?;
    let mut wm = match mask {
        Some(m) => Some(write_view::<u8>(m, "mask")?),
        None => None,
    };
    let ys: &mut [T] = bytemuck::cast_slice_mut(slice_mut(&mut wy)?);
    let xs: Option<&[T]> = match &rx {
        Some(v) => Some(bytemuck::cast_slice(slice(v)?)),
        None => None,
    };
    let n = ys.len();
    if let Some(xs) = xs
        && xs.len() != n
    {
        return Err(PyValueError::new_err(format!(
            "output holds {n} elements, x holds {}",
            xs.len()
        )));
    }
    let mut ms: Option<&mut [u8]> = match &mut wm {
        Some(v) => Some(slice_mut(v)?),
        None => None,
    };
    if let Some(m) = &ms
        && m.len() != n
    {
        return Err(PyValueError::new_err(format!(
            "mask holds {} elements, x holds {n}",
            m.len()
        )));
    }
    // The whole range first, so that an error leaves the outputs untouched.
    let st = d.stream();
    let len = cbrng::stream::stream_len_u32(st.algorithm().shape()).min(1 << 64);
    if u128::from(offset) + n as u128 > len {
        return Err(err(cbrng::Error::PastEndOfStream {
            offset: offset.into(),
            count: n as u128,
            algo: st.algorithm().to_string(),
            len,
        }));
    }
    let per = (crate::CHUNK_BYTES / std::mem::size_of::<T>()).max(1);
    let small = std::mem::size_of_val(ys) <= crate::GIL_HELD_BYTES;
    let mut at = 0;
    for yp in ys.chunks_mut(per) {
        let len = yp.len();
        let mp = ms.as_mut().map(|m| &mut m[at..at + len]);
        let xp = xs.map(|x| &x[at..at + len]);
        let off = offset + at as u64;
        let job = move || match xp {
            Some(xp) => d.forward_with_mask(
                off,
                xp,
                yp,
                MaskOut {
                    bytes: mp,
                    bits: None,
                },
            ),
            None => match mp {
                None => d.forward_in_place(off, yp),
                Some(mp) => {
                    // In place with a mask: the mask first (it reads nothing
                    // of the tensor), then the tensor.
                    d.mask_bytes(off, mp)?;
                    d.forward_in_place(off, yp)
                }
            },
        };
        if small {
            job().map_err(err)?;
        } else {
            py.detach(job).map_err(err)?;
            py.check_signals()?;
        }
        at += len;
    }
    Ok(())
}

/// Dropout of `x` into `out` (which may be `x` itself) with the mask of
/// `stream` at `offset`, probability `p`; `mask` (uint8, 1 = kept) optional.
#[pyfunction]
#[pyo3(signature = (stream, p, offset, x, out, mask = None, threads = None))]
#[allow(clippy::too_many_arguments)]
fn _dropout(
    py: Python<'_>,
    stream: &Bound<'_, PyStream>,
    p: f64,
    offset: u64,
    x: &Bound<'_, PyAny>,
    out: &Bound<'_, PyAny>,
    mask: Option<&Bound<'_, PyAny>>,
    threads: Option<usize>,
) -> PyResult<()> {
    let d = Dropout::new(stream.get().inner, p)
        .map_err(err)?
        .with_cpu_options(cpu_options(threads)?);
    let (ux, uy) = (as_untyped(x)?, as_untyped(out)?);
    let um = match mask {
        Some(m) => Some(as_untyped(m)?),
        None => None,
    };
    if let Some(m) = &um
        && kind_of(m)? != Kind::U8
    {
        return Err(PyTypeError::new_err("mask must be a uint8 array"));
    }
    let (kx, ky) = (dropout_kind(&ux, "x")?, dropout_kind(&uy, "out")?);
    if kx != ky {
        return Err(PyTypeError::new_err(format!(
            "out has dtype {}, x has {}",
            ky.numpy_name(),
            kx.numpy_name()
        )));
    }
    let m = um.as_ref();
    match kx {
        Kind::F16 => run::<u16, f16>(py, &d, offset, &ux, &uy, m),
        Kind::BF16 => run::<u16, bf16>(py, &d, offset, &ux, &uy, m),
        Kind::F32 => run::<u32, f32>(py, &d, offset, &ux, &uy, m),
        _ => run::<u64, f64>(py, &d, offset, &ux, &uy, m),
    }
}

/// The per-(step, layer) keys of a training run (`cbrng::dropout::DropoutKeys`).
#[pyclass(frozen, subclass, eq, name = "DropoutKeys", module = "cbrng")]
#[derive(Clone, PartialEq)]
pub struct PyDropoutKeys {
    inner: DropoutKeys,
    seed: Option<u64>,
}

#[pymethods]
impl PyDropoutKeys {
    #[new]
    #[pyo3(signature = (seed = None, algo = "philox4x32-10", *, key = None))]
    fn new(seed: Option<u64>, algo: &str, key: Option<Vec<u64>>) -> PyResult<Self> {
        let a = Algorithm::from_str(algo).map_err(err)?;
        let inner = match (seed, key) {
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err(
                    "bad parameter: give a seed or a key, not both",
                ));
            }
            (_, Some(words)) => DropoutKeys::from_key(a, &Key::from_words(a, &words).map_err(err)?),
            (s, None) => DropoutKeys::new(a, s.unwrap_or(0)).map_err(err)?,
        };
        Ok(PyDropoutKeys { inner, seed })
    }

    /// The generator's name.
    #[getter]
    fn algo(&self) -> String {
        self.inner.algorithm().to_string()
    }

    /// The seed the keys were made from (None when made from a key).
    #[getter]
    fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The key words of the stream of (`step`, `layer`).
    fn _stream_key(&self, step: u64, layer: u64) -> PyResult<Vec<u64>> {
        Ok(self
            .inner
            .stream(step, layer, 0)
            .map_err(err)?
            .key()
            .words()
            .to_vec())
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_dropout, m)?)?;
    m.add_class::<PyDropoutKeys>()?;
    Ok(())
}

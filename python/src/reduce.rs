//! Exact reductions (`cbrng::reduce`) on NumPy arrays. Results come back
//! as the f64 holding the value rounded to the asked format (exact for f32,
//! f16 and bf16), and `cbrng/__init__.py` makes the NumPy scalar.

use crate::arrays::{Kind, as_untyped, kind_of, read_view, slice};
use crate::{GIL_HELD_BYTES, REDUCE_CHUNK_BYTES, err, reduce_threads};
use cbrng::reduce::{Accumulator, Float};
use half::{bf16, f16};
use numpy::{PyArray1, PyReadonlyArray1, PyUntypedArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// What is added up.
#[derive(Clone, Copy, PartialEq)]
enum Terms {
    Values,
    Squares,
}

/// The float format a result is rounded to.
#[derive(Clone, Copy)]
enum Out {
    F64,
    F32,
    F16,
    BF16,
}

fn out_format(name: &str) -> PyResult<Out> {
    match name {
        "float64" => Ok(Out::F64),
        "float32" => Ok(Out::F32),
        "float16" => Ok(Out::F16),
        "bfloat16" => Ok(Out::BF16),
        _ => Err(PyTypeError::new_err(format!(
            "unsupported result dtype {name} (expected float64, float32, float16 or bfloat16)"
        ))),
    }
}

/// How the accumulated exact value is finished.
#[derive(Clone, Copy)]
enum Finish {
    Plain,
    Mean,
    Sqrt,
}

fn finish(a: &Accumulator, out: Out, how: Finish) -> f64 {
    fn go<T: Float>(a: &Accumulator, how: Finish) -> T {
        match how {
            Finish::Plain => a.finish(),
            Finish::Mean => a.finish_mean(),
            Finish::Sqrt => a.finish_sqrt(),
        }
    }
    match out {
        Out::F64 => go::<f64>(a, how),
        Out::F32 => f64::from(go::<f32>(a, how)),
        Out::F16 => go::<f16>(a, how).to_f64(),
        Out::BF16 => go::<bf16>(a, how).to_f64(),
    }
}

/// The float kind of a reduction's input; integers and `uint16` are refused
/// (a `uint16` array could hold either half format's bits).
fn float_kind(a: &Bound<'_, PyUntypedArray>, what: &str) -> PyResult<Kind> {
    match kind_of(a)? {
        k @ (Kind::F16 | Kind::BF16 | Kind::F32 | Kind::F64) => Ok(k),
        k => Err(PyTypeError::new_err(format!(
            "{what} has dtype {}: exact reductions take float16, bfloat16, float32 or float64",
            k.numpy_name()
        ))),
    }
}

/// Adds `xs` (or their squares) to `acc`, in pieces with the GIL released
/// and Ctrl-C checked between them when large.
fn add_terms<T: Float + bytemuck::Pod>(
    py: Python<'_>,
    acc: &mut Accumulator,
    xs: &[T],
    terms: Terms,
    threads: usize,
) -> PyResult<()> {
    let add = |a: &mut Accumulator, part: &[T]| match terms {
        Terms::Values => a.add_slice_threads(part, threads),
        Terms::Squares => a.add_squares_threads(part, threads),
    };
    let size = std::mem::size_of::<T>();
    if std::mem::size_of_val(xs) <= GIL_HELD_BYTES {
        add(acc, xs);
        return Ok(());
    }
    for part in xs.chunks(REDUCE_CHUNK_BYTES / size) {
        let piece = py.detach(|| {
            let mut a = Accumulator::new();
            add(&mut a, part);
            a
        });
        acc.merge(&piece).map_err(err)?;
        py.check_signals()?;
    }
    Ok(())
}

/// Adds the terms of the array `x` to `acc`.
fn add_array(
    py: Python<'_>,
    acc: &mut Accumulator,
    x: &Bound<'_, PyAny>,
    terms: Terms,
    threads: usize,
) -> PyResult<()> {
    let a = as_untyped(x)?;
    macro_rules! go {
        ($u:ty, $t:ty) => {{
            let v = read_view::<$u>(&a, "x")?;
            let xs: &[$t] = bytemuck::cast_slice(slice(&v)?);
            add_terms(py, acc, xs, terms, threads)
        }};
    }
    match float_kind(&a, "x")? {
        Kind::F16 => go!(u16, f16),
        Kind::BF16 => go!(u16, bf16),
        Kind::F32 => go!(u32, f32),
        _ => go!(u64, f64),
    }
}

/// `op` of the array `x`: "sum", "mean", "sumsq" or "norm2", rounded once to
/// `out` (a NumPy float name).
#[pyfunction]
#[pyo3(signature = (x, op, out, threads = None))]
fn _reduce(
    py: Python<'_>,
    x: &Bound<'_, PyAny>,
    op: &str,
    out: &str,
    threads: Option<usize>,
) -> PyResult<f64> {
    let (terms, how) = match op {
        "sum" => (Terms::Values, Finish::Plain),
        "mean" => (Terms::Values, Finish::Mean),
        "sumsq" => (Terms::Squares, Finish::Plain),
        "norm2" => (Terms::Squares, Finish::Sqrt),
        _ => return Err(PyValueError::new_err(format!("unknown reduction {op}"))),
    };
    let out = out_format(out)?;
    let mut acc = Accumulator::new();
    add_array(py, &mut acc, x, terms, reduce_threads(threads)?)?;
    Ok(finish(&acc, out, how))
}

fn dot_terms<T: Float + bytemuck::Pod>(
    py: Python<'_>,
    a: &[T],
    b: &[T],
    threads: usize,
) -> PyResult<Accumulator> {
    let mut acc = Accumulator::new();
    if a.len() != b.len() {
        // The crate's own message for different lengths.
        acc.add_products(a, b).map_err(err)?;
    }
    let per = REDUCE_CHUNK_BYTES / std::mem::size_of::<T>() / 2;
    for (pa, pb) in a.chunks(per).zip(b.chunks(per)) {
        let piece = py.detach(|| {
            let mut p = Accumulator::new();
            p.add_products_threads(pa, pb, threads).map(|_| p)
        });
        acc.merge(&piece.map_err(err)?).map_err(err)?;
        py.check_signals()?;
    }
    Ok(acc)
}

/// The exact dot product of two arrays of one float dtype, rounded once to `out`.
#[pyfunction]
#[pyo3(signature = (a, b, out, threads = None))]
fn _dot(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    out: &str,
    threads: Option<usize>,
) -> PyResult<f64> {
    let out = out_format(out)?;
    let t = reduce_threads(threads)?;
    let (ua, ub) = (as_untyped(a)?, as_untyped(b)?);
    let (ka, kb) = (float_kind(&ua, "a")?, float_kind(&ub, "b")?);
    if ka != kb {
        return Err(PyTypeError::new_err(format!(
            "a and b have different dtypes ({} and {})",
            ka.numpy_name(),
            kb.numpy_name()
        )));
    }
    macro_rules! go {
        ($u:ty, $t:ty) => {{
            let va = read_view::<$u>(&ua, "a")?;
            let vb = read_view::<$u>(&ub, "b")?;
            let xa: &[$t] = bytemuck::cast_slice(slice(&va)?);
            let xb: &[$t] = bytemuck::cast_slice(slice(&vb)?);
            dot_terms(py, xa, xb, t)?
        }};
    }
    let acc = match ka {
        Kind::F16 => go!(u16, f16),
        Kind::BF16 => go!(u16, bf16),
        Kind::F32 => go!(u32, f32),
        _ => go!(u64, f64),
    };
    Ok(finish(&acc, out, Finish::Plain))
}

/// Row sums of a C-contiguous matrix with `cols` columns, each rounded once
/// to `out`, returned as a 1-D array of that format's bits (uint16 for the
/// half formats) for `cbrng/__init__.py` to view.
#[pyfunction]
fn _sum_rows<'py>(
    py: Python<'py>,
    m: &Bound<'py, PyAny>,
    cols: usize,
    out: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let a = as_untyped(m)?;
    let out = out_format(out)?;
    fn rows<
        'py,
        T: Float + Sync,
        U: Float + Send + bytemuck::Pod,
        B: numpy::Element + bytemuck::Pod,
    >(
        py: Python<'py>,
        m: &[T],
        cols: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sums: Vec<U> = py
            .detach(|| cbrng::reduce::sum_rows_as::<T, U>(m, cols))
            .map_err(err)?;
        Ok(PyArray1::from_slice(py, bytemuck::cast_slice::<U, B>(&sums)).into_any())
    }
    macro_rules! go {
        ($u:ty, $t:ty) => {{
            let v = read_view::<$u>(&a, "m")?;
            let xs: &[$t] = bytemuck::cast_slice(slice(&v)?);
            match out {
                Out::F64 => rows::<$t, f64, u64>(py, xs, cols),
                Out::F32 => rows::<$t, f32, u32>(py, xs, cols),
                Out::F16 => rows::<$t, f16, u16>(py, xs, cols),
                Out::BF16 => rows::<$t, bf16, u16>(py, xs, cols),
            }
        }};
    }
    match float_kind(&a, "m")? {
        Kind::F16 => go!(u16, f16),
        Kind::BF16 => go!(u16, bf16),
        Kind::F32 => go!(u32, f32),
        _ => go!(u64, f64),
    }
}

/// The mergeable exact state of a sum (`cbrng.reduce.Accumulator`): add
/// arrays to it in any order, in any process, merge the states, and the
/// result has the same bits.
#[pyclass(subclass, eq, name = "SumState", module = "cbrng")]
#[derive(Clone, PartialEq)]
pub struct PySumState {
    pub(crate) acc: Accumulator,
}

#[pymethods]
impl PySumState {
    #[new]
    fn new() -> Self {
        PySumState {
            acc: Accumulator::new(),
        }
    }

    /// Adds every element of the float array `x`.
    #[pyo3(signature = (x, *, threads = None))]
    fn _add(
        &mut self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        let mut acc = self.acc.clone();
        add_array(py, &mut acc, x, Terms::Values, reduce_threads(threads)?)?;
        self.acc = acc;
        Ok(())
    }

    /// Adds another state's terms to this one (exact; the order of merges
    /// never matters).
    fn merge(&mut self, other: &Bound<'_, PySumState>) -> PyResult<()> {
        let o = other.borrow().acc.clone();
        self.acc.merge(&o).map_err(err)
    }

    /// The number of terms added.
    #[getter]
    fn count(&self) -> u64 {
        self.acc.count()
    }

    /// The state as bytes (`cbrng.reduce`'s versioned format), for another
    /// process or a checkpoint.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.acc.to_bytes())
    }

    /// Replaces the state by one read from `to_bytes`'s output.
    fn _load(&mut self, data: &[u8]) -> PyResult<()> {
        self.acc = Accumulator::from_bytes(data).map_err(err)?;
        Ok(())
    }

    /// The state's limb form (`cbrng.reduce`'s `Accumulator::to_limbs`): a
    /// 1-D int64 array of `LIMBS` limbs whose element-wise integer sum over
    /// any number of states is the limb form of their merge.
    fn to_limbs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        PyArray1::from_slice(py, &self.acc.to_limbs())
    }

    /// Replaces the state by the merge of the states whose limb forms were
    /// summed into `limbs` (a contiguous 1-D int64 array).
    fn _load_limbs(&mut self, limbs: PyReadonlyArray1<'_, i64>) -> PyResult<()> {
        let xs = limbs
            .as_slice()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        self.acc = Accumulator::from_limb_sum(xs).map_err(err)?;
        Ok(())
    }

    /// The exact sum rounded once to `dtype` (a NumPy float name).
    fn _result(&self, dtype: &str) -> PyResult<f64> {
        Ok(finish(&self.acc, out_format(dtype)?, Finish::Plain))
    }

    /// The exact mean rounded once to `dtype` (NaN when empty).
    fn _mean(&self, dtype: &str) -> PyResult<f64> {
        Ok(finish(&self.acc, out_format(dtype)?, Finish::Mean))
    }
}

/// The limb forms of several states, one after the other (a 1-D int64
/// array of `len(states) × LIMBS` limbs): `Accumulator::rows_to_limbs`.
#[pyfunction]
fn _rows_to_limbs<'py>(
    py: Python<'py>,
    states: Vec<PyRef<'py, PySumState>>,
) -> Bound<'py, PyArray1<i64>> {
    let rows: Vec<Accumulator> = states.iter().map(|s| s.acc.clone()).collect();
    PyArray1::from_vec(py, Accumulator::rows_to_limbs(&rows))
}

/// The merged rows of a summed row-wise limb vector
/// (`Accumulator::rows_from_limb_sum`), each in `to_bytes`'s format for
/// `cbrng/__init__.py` to load.
#[pyfunction]
fn _rows_from_limb_sum<'py>(
    py: Python<'py>,
    limbs: PyReadonlyArray1<'py, i64>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let xs = limbs
        .as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let rows = Accumulator::rows_from_limb_sum(xs).map_err(err)?;
    Ok(rows
        .iter()
        .map(|r| PyBytes::new(py, &r.to_bytes()))
        .collect())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_reduce, m)?)?;
    m.add_function(wrap_pyfunction!(_dot, m)?)?;
    m.add_function(wrap_pyfunction!(_sum_rows, m)?)?;
    m.add_function(wrap_pyfunction!(_rows_to_limbs, m)?)?;
    m.add_function(wrap_pyfunction!(_rows_from_limb_sum, m)?)?;
    m.add("LIMBS", cbrng::reduce::LIMBS)?;
    m.add("MAX_LIMB_STATES", cbrng::reduce::MAX_LIMB_STATES)?;
    m.add_class::<PySumState>()?;
    Ok(())
}

//! NumPy arrays as Rust slices, without copying: the dtype is read from the
//! array, the memory is borrowed through the `numpy` crate's checked
//! borrows, and anything that would need a copy (a non-contiguous, read-only,
//! unaligned or byte-swapped array) is an error.

use numpy::{
    PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyReadwriteArrayDyn,
    PyUntypedArray, PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The element types the bindings read and write: the crate's dtypes, plus
/// the bit pattern a `uint16` array holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    U8,
    /// `uint16`: bfloat16 bits for fills, refused by the reductions.
    U16,
    U32,
    U64,
    F16,
    /// `ml_dtypes.bfloat16`.
    BF16,
    F32,
    F64,
    I32,
    I64,
    /// `bool`: one byte, 0 or 1.
    Bool,
}

impl Kind {
    /// The NumPy name (as `numpy.dtype(...).name` spells it).
    pub fn numpy_name(self) -> &'static str {
        match self {
            Kind::U8 => "uint8",
            Kind::U16 => "uint16",
            Kind::U32 => "uint32",
            Kind::U64 => "uint64",
            Kind::F16 => "float16",
            Kind::BF16 => "bfloat16",
            Kind::F32 => "float32",
            Kind::F64 => "float64",
            Kind::I32 => "int32",
            Kind::I64 => "int64",
            Kind::Bool => "bool",
        }
    }
}

/// The array's element kind; a `TypeError` naming the dtype for any other.
pub fn kind_of(a: &Bound<'_, PyUntypedArray>) -> PyResult<Kind> {
    let d = a.dtype();
    let k = match (d.kind(), d.itemsize()) {
        (b'u', 1) => Some(Kind::U8),
        (b'u', 2) => Some(Kind::U16),
        (b'u', 4) => Some(Kind::U32),
        (b'u', 8) => Some(Kind::U64),
        (b'i', 4) => Some(Kind::I32),
        (b'i', 8) => Some(Kind::I64),
        (b'b', 1) => Some(Kind::Bool),
        (b'f', 2) => Some(Kind::F16),
        (b'f', 4) => Some(Kind::F32),
        (b'f', 8) => Some(Kind::F64),
        (b'V', 2) if is_bfloat16(&d)? => Some(Kind::BF16),
        _ => None,
    };
    match k {
        Some(k) if d.is_native_byteorder() != Some(false) => Ok(k),
        Some(_) => Err(PyValueError::new_err(format!(
            "array of dtype {} is not in the machine's byte order",
            d.str()?
        ))),
        None => Err(PyTypeError::new_err(format!(
            "unsupported dtype {} (expected uint8, uint32, uint64, int32, int64, bool, float16, \
             float32, float64, bfloat16 from ml_dtypes, or uint16 holding bfloat16 bits)",
            d.str()?
        ))),
    }
}

fn is_bfloat16(d: &Bound<'_, numpy::PyArrayDescr>) -> PyResult<bool> {
    Ok(d.getattr(pyo3::intern!(d.py(), "name"))?
        .extract::<String>()?
        == "bfloat16")
}

/// Checks what a zero-copy view needs: C order, aligned, and (for output)
/// writable. `what` names the argument in the message.
fn check_layout(a: &Bound<'_, PyUntypedArray>, what: &str) -> PyResult<()> {
    if !a.is_c_contiguous() {
        return Err(PyValueError::new_err(format!(
            "{what} is not C-contiguous (strides {:?}): cbrng writes in place and never copies; \
             pass a contiguous array (numpy.ascontiguousarray makes one)",
            a.strides()
        )));
    }
    if !a.is_aligned() {
        return Err(PyValueError::new_err(format!(
            "{what} is not aligned to its element size"
        )));
    }
    Ok(())
}

/// The array behind `out`: a NumPy array as it is, any other object through
/// `cbrng._buffers.as_ndarray` (the buffer protocol, zero-copy).
pub fn as_untyped<'py>(out: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyUntypedArray>> {
    if let Ok(a) = out.cast::<PyUntypedArray>() {
        return Ok(a.clone());
    }
    static HELPER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = out.py();
    let f = HELPER.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("cbrng._buffers")?.getattr("as_ndarray")?.unbind())
    })?;
    Ok(f.bind(py).call1((out,))?.cast_into::<PyUntypedArray>()?)
}

/// A writable borrow of the array's memory as `&mut [U]` (`U` a plain
/// unsigned type of the element's size).
pub fn write_view<'py, U: numpy::Element>(
    a: &Bound<'py, PyUntypedArray>,
    what: &str,
) -> PyResult<PyReadwriteArrayDyn<'py, U>> {
    check_layout(a, what)?;
    // SAFETY: the caller has matched U's size and kind to the dtype (kind_of);
    // U is a plain integer type, so any bits are valid.
    let typed = unsafe { a.cast_unchecked::<PyArrayDyn<U>>() };
    typed.try_readwrite().map_err(|e| match e {
        numpy::BorrowError::NotWriteable => PyValueError::new_err(format!(
            "{what} is read-only: cbrng writes in place and never copies; pass a writable array"
        )),
        _ => PyValueError::new_err(format!(
            "{what} is already borrowed (the same array passed twice?)"
        )),
    })
}

/// A read-only borrow of the array's memory as `&[U]`.
pub fn read_view<'py, U: numpy::Element>(
    a: &Bound<'py, PyUntypedArray>,
    what: &str,
) -> PyResult<PyReadonlyArrayDyn<'py, U>> {
    check_layout(a, what)?;
    // SAFETY: as in write_view.
    let typed = unsafe { a.cast_unchecked::<PyArrayDyn<U>>() };
    typed.try_readonly().map_err(|_| {
        PyValueError::new_err(format!(
            "{what} is already borrowed for writing (the same array passed twice?)"
        ))
    })
}

/// The contiguous slice of a checked borrow.
pub fn slice_mut<'a, U: numpy::Element>(
    v: &'a mut PyReadwriteArrayDyn<'_, U>,
) -> PyResult<&'a mut [U]> {
    v.as_slice_mut()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The contiguous slice of a checked borrow.
pub fn slice<'a, U: numpy::Element>(v: &'a PyReadonlyArrayDyn<'_, U>) -> PyResult<&'a [U]> {
    v.as_slice()
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

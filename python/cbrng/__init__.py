"""Counter-based random numbers (Philox, Threefry) with one exact stream contract.

The bits are those of the ``cbrng`` Rust crate and its ``cbrng`` program: a
(generator, key, stream id, element index, distribution, dtype) gives the
same value on every machine, and any slice of a stream can be made on its
own, with any number of threads.

Quick start::

    import numpy as np, cbrng
    s = cbrng.Stream("philox4x32-10", seed=42, stream=0)
    x = s.random((4, 1024), "normal", np.float32)      # a new array
    s.fill(x, "uniform", offset=4096)                   # in place, no copy
    y, mask = cbrng.dropout(x, 0.1, key=cbrng.DropoutKeys(7), step=0, layer=3)
    total = cbrng.exact_sum(x)                           # correctly rounded, any order

Modules and names:

* :class:`Stream`: ``fill`` and ``random`` for the distributions ``bits``,
  ``uniform``, ``normal`` (``mean``, ``std``), ``bernoulli`` (``p``) and
  ``int`` (``low``, ``high``), in uint8, uint32, uint64, int32, int64, bool
  (bernoulli), float16, float32, float64 and bfloat16
  (``ml_dtypes.bfloat16`` when installed, otherwise ``uint16`` bits).
* :func:`exact_sum`, :func:`exact_mean`, :func:`exact_dot`, :func:`exact_norm2`,
  :func:`exact_sum_rows` and :class:`SumState` (mergeable, serialisable, and
  all-reducible as ``LIMBS`` int64 limbs: :meth:`SumState.to_limbs`).
* :func:`dropout`, :func:`dropout_backward` and :class:`DropoutKeys`.
* :mod:`cbrng.compat`: NumPy's, JAX's, cuRAND's and PyTorch's CUDA streams.

Errors are ``ValueError`` (bad parameters, ranges, states), ``TypeError``
(unsupported dtypes or objects) and ``RuntimeError`` (the GPU side), with the
Rust crate's message.
"""

from __future__ import annotations

import operator
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from . import _cbrng, _device
from ._cbrng import CONTRACT_VERSION, LIMBS, MAX_LIMB_STATES, algorithms

try:  # bfloat16 arrays, when ml_dtypes is installed
    import ml_dtypes as _ml_dtypes

    bfloat16: Optional[np.dtype] = np.dtype(_ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    bfloat16 = None

__all__ = [
    "CONTRACT_VERSION",
    "DropoutKeys",
    "LIMBS",
    "MAX_LIMB_STATES",
    "Stream",
    "SumState",
    "algorithms",
    "bfloat16",
    "compat",
    "dropout",
    "dropout_backward",
    "exact_dot",
    "exact_mean",
    "exact_norm2",
    "exact_sum",
    "exact_sum_rows",
    "exact_sum_squares",
]

__version__ = "0.1.0"

# cbrng's dtype names and the NumPy dtypes they are.
_BF16 = bfloat16 if bfloat16 is not None else np.dtype(np.uint16)
_NAMES = {
    "u8": np.dtype(np.uint8),
    "u32": np.dtype(np.uint32),
    "u64": np.dtype(np.uint64),
    "f16": np.dtype(np.float16),
    "f32": np.dtype(np.float32),
    "f64": np.dtype(np.float64),
    "i32": np.dtype(np.int32),
    "i64": np.dtype(np.int64),
    "bool": np.dtype(np.bool_),
    "bf16": _BF16,
    "bfloat16": _BF16,
}
# The dtype a distribution gives when none is named (the Rust contract's).
_DEFAULT = {"bits": "u32", "uniform": "f32", "normal": "f32", "bernoulli": "u8", "int": "u32"}
# dtype name (numpy.dtype(...).name) -> the cbrng name.
_CBRNG_NAME = {
    "uint8": "u8",
    "uint16": "bf16",
    "uint32": "u32",
    "uint64": "u64",
    "float16": "f16",
    "float32": "f32",
    "float64": "f64",
    "int32": "i32",
    "int64": "i64",
    "bool": "bool",
    "bfloat16": "bf16",
}

DTypeLike = Any
ShapeLike = Union[int, Sequence[int]]


def _dtype(dtype: DTypeLike, dist: str) -> np.dtype:
    """The NumPy dtype of ``dtype`` (a cbrng name, a NumPy dtype or None)."""
    if dtype is None:
        name = dist.split(":", 1)[0].lower()
        return _NAMES[_DEFAULT.get(name, "f32")]
    if isinstance(dtype, str) and dtype.lower() in _NAMES:
        return _NAMES[dtype.lower()]
    dt = np.dtype(dtype)
    if dt.name not in _CBRNG_NAME:
        raise TypeError(
            f"unsupported dtype {dt} (expected uint8, uint32, uint64, int32, int64, bool, "
            "float16, float32, float64, bfloat16, or uint16 for bfloat16 bits)"
        )
    return dt


class Stream(_cbrng.Stream):
    """One stream of the contract: generator, key and stream id.

    ``Stream(algo="philox4x32-10", seed=0, stream=0)``, or
    ``Stream(algo, key=[w0, w1, ...], stream=0)`` with the generator's key
    words. The generators are those of :func:`algorithms`
    (``philox4x32-10``, ``threefry2x64-20``, ...; ``-ROUNDS`` optional).

    ``fill(out, dist="uniform", offset=0, *, mean=, std=, p=, low=, high=,
    threads=None)`` writes elements ``[offset, offset + out.size)`` of the
    distribution into ``out`` in place, in ``out``'s dtype, and returns
    ``out``. ``out`` is a C-contiguous writable NumPy array or buffer
    (``bytearray``, ``memoryview``); anything else is an error, never a
    silent copy. ``uint16`` means bfloat16 bits. ``bits`` and ``int`` fill
    uint8, uint32, uint64, int32 and int64 (``bits`` in a signed dtype: the
    same bits as the unsigned one); ``bernoulli`` fills uint8 and bool.
    ``offset`` counts elements
    of that dtype and distribution (up to 2^66 for the 4-word generators).
    Distribution parameters: ``normal`` takes ``mean`` and ``std``,
    ``bernoulli`` takes ``p``, ``int`` takes ``low`` (default 0) and
    ``high`` (exclusive), any Python ints with ``[low, high)`` inside the
    dtype's values (negative ones for int32 and int64; e.g. ``low=-2**31,
    high=2**31`` for every int32). ``threads`` caps the CPU threads (default: every
    core for large fills); the bits never depend on it. The GIL is released
    during large fills, and Ctrl-C stops them.
    """

    __slots__ = ()

    def random(
        self,
        shape: ShapeLike = (),
        dist: str = "uniform",
        dtype: DTypeLike = None,
        offset: int = 0,
        *,
        threads: Optional[int] = None,
        **params: Any,
    ) -> np.ndarray:
        """A new array of ``shape`` holding elements ``[offset, offset + size)``.

        ``dtype`` is a NumPy dtype or a cbrng name (``"f32"``, ``"bf16"``,
        ``"int32"``, ``"i64"``, ``"bool"``, ...); by default the distribution's first dtype as in the Rust crate
        (bits: uint32, uniform and normal: float32, bernoulli: uint8, int:
        uint32). ``params`` as for :meth:`fill`.
        """
        out = np.empty(shape, dtype=_dtype(dtype, dist))
        self.fill(out, dist, offset, threads=threads, **params)
        return out

    def length(self, dist: str = "uniform", dtype: DTypeLike = None, **params: Any) -> int:
        """Number of elements of ``dist`` in ``dtype`` that this stream holds."""
        dt = _dtype(dtype, dist)
        return self._len(dist, _CBRNG_NAME[dt.name], **params)


# --- exact reductions -------------------------------------------------------


def _float_input(x: Any, what: str = "x", op: str = "") -> np.ndarray:
    """``x`` as a float NumPy array the reductions can read.

    A non-contiguous array is copied into C order first (the order of the
    terms never changes an exact result); integer arrays are refused. A
    CUDA device array is copied to the host on its own stream (these
    reductions have no device kernels; ``exact_sum``, ``exact_mean`` and
    ``SumState.add`` sum on the GPU); ``op`` names the function in errors.
    """
    if _device.is_device_array(x):
        a = _device.host_copy(x, what)
    else:
        _device.refuse_other_devices(x, what)
        a = _device.host_array(x)
    if a.dtype.kind != "f" and a.dtype != bfloat16:
        raise TypeError(
            f"{what} has dtype {a.dtype}: exact reductions take float16, bfloat16, "
            "float32 or float64"
        )
    return np.ascontiguousarray(a)


def _result_dtype(dtype: DTypeLike, default: np.dtype) -> np.dtype:
    if dtype is None:
        return default
    if isinstance(dtype, str) and dtype.lower() in ("bf16", "bfloat16"):
        if bfloat16 is None:
            raise TypeError("a bfloat16 result needs ml_dtypes (pip install ml_dtypes)")
        return bfloat16
    dt = np.dtype(dtype)
    if dt.name not in ("float16", "float32", "float64", "bfloat16"):
        raise TypeError(
            f"unsupported result dtype {dt} (expected float64, float32, float16 or bfloat16)"
        )
    return dt


def _scalar(v: float, dt: np.dtype) -> Any:
    # v is the result already rounded to dt, held exactly in a float64.
    return dt.type(v)


def _device_state(x: Any) -> "Tuple[SumState, np.dtype]":
    """The exact state of a device array's sum, computed on its GPU, and
    the NumPy dtype of its elements."""
    s = SumState()
    return s, _device.sum_add(s, x)


def exact_sum(x: Any, dtype: DTypeLike = None, *, threads: Optional[int] = None) -> Any:
    """The sum of ``x``'s elements, correctly rounded once from the exact sum.

    A NumPy scalar of ``x``'s dtype, or of ``dtype`` (e.g. ``numpy.float64``
    for a float64 sum of float32 data). The result does not depend on the
    order of the terms or the number of threads. NaN in gives NaN; an exact
    sum beyond the dtype's range gives inf.

    ``x`` may be a CUDA device array (PyTorch CUDA tensor, CuPy array, Numba
    device array: ``__cuda_array_interface__``; or DLPack on a CUDA device,
    e.g. JAX arrays and PyTorch bfloat16 tensors) of float16, bfloat16,
    float32 or float64: it is summed on its own GPU, on its current stream
    (DLPack: the legacy default stream), by the crate's deterministic exact
    kernels (no atomics), and the result has exactly the bits the CPU gives
    for the same values. Any dense layout is read in place (C or Fortran
    order, transposes); strides with gaps (``x[::2]``) are an error, never a
    silent copy. The call waits for the result. ``threads`` is for the CPU.
    """
    if _device.is_device_array(x):
        _result_dtype(dtype, np.dtype(np.float64))  # a bad dtype= before any launch
        state, xt = _device_state(x)
        dt = _result_dtype(dtype, xt)
        return _scalar(state._result(dt.name), dt)
    a = _float_input(x)
    dt = _result_dtype(dtype, a.dtype)
    return _scalar(_cbrng._reduce(a, "sum", dt.name, threads), dt)


def exact_mean(x: Any, dtype: DTypeLike = None, *, threads: Optional[int] = None) -> Any:
    """The exact sum divided by the count, rounded once (NaN when empty).

    Device arrays as for :func:`exact_sum` (summed on their GPU)."""
    if _device.is_device_array(x):
        _result_dtype(dtype, np.dtype(np.float64))  # a bad dtype= before any launch
        state, xt = _device_state(x)
        dt = _result_dtype(dtype, xt)
        return _scalar(state._mean(dt.name), dt)
    a = _float_input(x)
    dt = _result_dtype(dtype, a.dtype)
    return _scalar(_cbrng._reduce(a, "mean", dt.name, threads), dt)


def exact_sum_squares(x: Any, dtype: DTypeLike = None, *, threads: Optional[int] = None) -> Any:
    """The exact sum of squares, rounded once (a device array is copied to
    the host first)."""
    a = _float_input(x, op="exact_sum_squares")
    dt = _result_dtype(dtype, a.dtype)
    return _scalar(_cbrng._reduce(a, "sumsq", dt.name, threads), dt)


def exact_norm2(x: Any, dtype: DTypeLike = None, *, threads: Optional[int] = None) -> Any:
    """The L2 norm: the square root of the exact sum of squares, rounded once
    (no overflow or underflow in between). A device array is copied to the
    host first."""
    a = _float_input(x, op="exact_norm2")
    dt = _result_dtype(dtype, a.dtype)
    return _scalar(_cbrng._reduce(a, "norm2", dt.name, threads), dt)


def exact_dot(a: Any, b: Any, dtype: DTypeLike = None, *, threads: Optional[int] = None) -> Any:
    """The dot product of ``a`` and ``b`` (same size, flattened): the exact
    sum of the exact products, rounded once.

    Different float dtypes are first widened to the common one (exact). A
    device array is copied to the host first.
    """
    xa, xb = _float_input(a, "a", "exact_dot"), _float_input(b, "b", "exact_dot")
    if xa.dtype != xb.dtype:
        common = np.promote_types(xa.dtype, xb.dtype)
        xa, xb = xa.astype(common), xb.astype(common)
    dt = _result_dtype(dtype, xa.dtype)
    return _scalar(_cbrng._dot(xa, xb, dt.name, threads), dt)


def exact_sum_rows(m: Any, dtype: DTypeLike = None) -> np.ndarray:
    """Sums along the last axis, each correctly rounded: an array of shape
    ``m.shape[:-1]`` (a device array is copied to the host first)."""
    a = _float_input(m, "m", "exact_sum_rows")
    if a.ndim == 0:
        raise ValueError("exact_sum_rows needs an array with at least one axis")
    dt = _result_dtype(dtype, a.dtype)
    cols = a.shape[-1]
    if cols == 0:
        return np.zeros(a.shape[:-1], dtype=dt)
    bits = _cbrng._sum_rows(a, cols, dt.name)
    return bits.view(dt).reshape(a.shape[:-1])


def _limb_input(limbs: Any) -> np.ndarray:
    """``limbs`` as a contiguous 1-D int64 array (a copy only when its
    integer dtype is narrower); floats and uint64 are refused."""
    if _device.is_device_array(limbs):
        raise TypeError("limbs is a device array: copy it to the host (e.g. tensor.cpu())")
    a = np.asarray(limbs)
    if a.dtype.kind not in "iu" or not np.can_cast(a.dtype, np.int64, "safe"):
        raise TypeError(
            f"limbs has dtype {a.dtype}: a limb sum is an integer array that fits int64"
        )
    if a.ndim != 1:
        raise ValueError(f"limbs has shape {a.shape}: a limb sum is a 1-D array")
    return np.ascontiguousarray(a, dtype=np.int64)


class SumState(_cbrng.SumState):
    """The exact, mergeable state of a sum.

    ``add`` arrays in any order (in any process), ``merge`` states, and
    ``result`` gives the same bits as :func:`exact_sum` of everything added.
    ``to_bytes`` / ``SumState.from_bytes`` carry a state between processes
    (the Rust crate's versioned format, also what ``cbrng sum`` reads).

    For an all-reduce, ``to_limbs()`` gives the state as an int64 array of
    :data:`LIMBS` limbs: the element-wise integer sum of any number of
    states' limbs (up to :data:`MAX_LIMB_STATES`), in any order and grouping,
    is the limb form of their merge, and ``SumState.from_limb_sum`` reads it
    back. So ``torch.distributed.all_reduce(torch.from_numpy(s.to_limbs()))``
    (op SUM, any backend) gives every rank the same exact merged state.
    """

    __slots__ = ()

    def add(self, x: Any, *, threads: Optional[int] = None) -> "SumState":
        """Adds every element of ``x`` (a float array or scalar); returns self.

        A CUDA device array is summed on its GPU (see :func:`exact_sum`):
        the same state, bit for bit, as for its values on the CPU, so shards
        summed on GPUs and CPUs merge to the same result."""
        if _device.is_device_array(x):
            _device.sum_add(self, x)
            return self
        self._add(_float_input(x, op="SumState.add"), threads=threads)
        return self

    def result(self, dtype: DTypeLike = np.float64) -> Any:
        """The exact sum, rounded once to ``dtype`` (default float64)."""
        dt = _result_dtype(dtype, np.dtype(np.float64))
        return _scalar(self._result(dt.name), dt)

    def mean(self, dtype: DTypeLike = np.float64) -> Any:
        """The exact mean, rounded once to ``dtype`` (NaN when empty)."""
        dt = _result_dtype(dtype, np.dtype(np.float64))
        return _scalar(self._mean(dt.name), dt)

    @classmethod
    def from_bytes(cls, data: bytes) -> "SumState":
        """The state ``to_bytes`` wrote."""
        s = cls()
        s._load(bytes(data))
        return s

    @classmethod
    def from_limb_sum(cls, limbs: Any) -> "SumState":
        """The merge of the states whose :meth:`to_limbs` arrays were summed
        element-wise into ``limbs`` (a 1-D integer array of :data:`LIMBS`
        elements, e.g. an all-reduced int64 tensor). A sum that no set of
        states can give (a wrong length, layout tag or state count, a limb
        out of range, more than 2^63 terms) is a ``ValueError``."""
        s = cls()
        s._load_limbs(_limb_input(limbs))
        return s

    @staticmethod
    def rows_to_limbs(states: Sequence["SumState"]) -> np.ndarray:
        """The limb forms of several states (e.g. one per row or per
        parameter), one after the other: an int64 array of ``len(states) *
        LIMBS`` limbs, for one all-reduce instead of many."""
        return _cbrng._rows_to_limbs(list(states))

    @classmethod
    def rows_from_limb_sum(cls, limbs: Any) -> "list[SumState]":
        """The merged states of a summed :meth:`rows_to_limbs` array (its
        length a multiple of :data:`LIMBS`); errors as :meth:`from_limb_sum`."""
        return [cls.from_bytes(b) for b in _cbrng._rows_from_limb_sum(_limb_input(limbs))]

    def copy(self) -> "SumState":
        """An independent copy."""
        return type(self).from_bytes(self.to_bytes())

    def __reduce__(self) -> Any:
        return (type(self).from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return f"cbrng.SumState(count={self.count}, sum={float(self.result())!r})"


# --- dropout ------------------------------------------------------------------


class DropoutKeys(_cbrng.DropoutKeys):
    """Streams for dropout in a training loop, from one root seed.

    ``DropoutKeys(seed, algo="philox4x32-10")`` (or ``key=[...]``): layer
    ``layer`` at step ``step`` gets its own derived key, and the stream id
    is the replica (data-parallel rank). As ``cbrng::dropout::DropoutKeys``
    in Rust: the same masks on CPU and GPU, in Rust and in Python.
    """

    __slots__ = ()

    def stream(self, step: int, layer: int, replica: int = 0) -> Stream:
        """The stream of (``step``, ``layer``) for ``replica``."""
        return Stream(self.algo, key=self._stream_key(step, layer), stream=replica)

    def __repr__(self) -> str:
        return f"cbrng.DropoutKeys({self.seed!r}, algo={self.algo!r})"

    def __reduce__(self) -> Any:
        if self.seed is None:
            raise TypeError("DropoutKeys made from a key cannot be pickled (its root key is not kept)")
        return (type(self), (self.seed, self.algo))


def _dropout_stream(key: Any, step: Optional[int], layer: Optional[int], replica: int) -> Stream:
    if isinstance(key, _cbrng.Stream):
        if step is not None or layer is not None or replica:
            raise ValueError(
                "bad parameter: with a Stream as key, step, layer and replica are not used"
            )
        return key
    if key is None:
        raise ValueError("bad parameter: dropout needs key= (a DropoutKeys, a seed or a Stream)")
    if not isinstance(key, _cbrng.DropoutKeys):
        key = DropoutKeys(operator.index(key))
    if step is None or layer is None:
        raise ValueError("bad parameter: dropout with DropoutKeys needs step= and layer=")
    if isinstance(key, DropoutKeys):
        return key.stream(step, layer, replica)
    return DropoutKeys(key.seed, key.algo).stream(step, layer, replica)


def _bool_view(mask: Any) -> Any:
    """A uint8 device mask as booleans (zero-copy)."""
    if type(mask).__module__.split(".")[0] == "torch":
        import torch

        return mask.view(torch.bool)
    return mask.view(np.bool_)


def _as_tensor(x: Any) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else np.asarray(x)


def dropout(
    x: Any,
    p: float,
    key: Any = None,
    step: Optional[int] = None,
    layer: Optional[int] = None,
    replica: int = 0,
    train: bool = True,
    offset: int = 0,
    *,
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
) -> Tuple[np.ndarray, np.ndarray]:
    """Deterministic dropout: ``(y, mask)``.

    Element ``i`` is dropped (``y[i] = +0.0``) iff Bernoulli(``p``) element
    ``offset + i`` of the stream is 1; a kept element is scaled by
    ``1 / (1 - p)`` with the crate's fixed arithmetic (float32 scale for
    float32/float16/bfloat16, float64 for float64). ``mask`` is a bool array
    of ``x``'s shape, True = kept. The stream is ``key.stream(step, layer,
    replica)`` for a :class:`DropoutKeys` (an int seed makes one), or
    ``key`` itself when it is a :class:`Stream`. ``offset`` is the index of
    ``x``'s first element in the whole activation tensor (for shards).
    ``out`` may be ``x`` itself (in place). ``train=False`` returns ``x``
    unchanged and an all-True mask. ``x`` must be C-contiguous.

    A CUDA tensor (PyTorch, CuPy: ``__cuda_array_interface__``) is dropped on
    its device, on its current stream, with the same bits; ``y`` and ``mask``
    are then tensors of the same library.
    """
    s = _dropout_stream(key, step, layer, replica)
    if _device.is_device_array(x):
        if not train:
            _cbrng._dropout(s, p, offset, np.empty(0, np.float32), np.empty(0, np.float32))
            ones = _device._empty_like(x, mask=True)
            ones.fill(1)
            return x, _bool_view(ones)
        y, mask = _device.dropout(s, x, p, offset, out)
        return y, _bool_view(mask)
    x = _as_tensor(x)
    if not train:
        # Still check p, as the training path would.
        e = np.empty(0, np.float32)
        _cbrng._dropout(s, p, offset, e, e)
        return x, np.ones(x.shape, dtype=np.bool_)
    y = np.empty_like(x, order="C") if out is None else out
    if y.shape != x.shape:
        raise ValueError(f"out has shape {y.shape}, x has {x.shape}")
    mask = np.empty(x.shape, dtype=np.uint8)
    _cbrng._dropout(s, p, offset, x, y, mask, threads)
    return y, mask.view(np.bool_)


def dropout_backward(
    dy: Any,
    p: float,
    key: Any = None,
    step: Optional[int] = None,
    layer: Optional[int] = None,
    replica: int = 0,
    offset: int = 0,
    *,
    out: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
) -> np.ndarray:
    """The gradient of :func:`dropout`: ``dy`` dropped and scaled by the
    same mask, regenerated from (key, step, layer, replica, offset)."""
    s = _dropout_stream(key, step, layer, replica)
    if _device.is_device_array(dy):
        return _device.dropout(s, dy, p, offset, out, want_mask=False)[0]
    dy = _as_tensor(dy)
    dx = np.empty_like(dy, order="C") if out is None else out
    if dx.shape != dy.shape:
        raise ValueError(f"out has shape {dx.shape}, dy has {dy.shape}")
    _cbrng._dropout(s, p, offset, dy, dx, None, threads)
    return dx


from . import compat  # noqa: E402,F401  (uses the names above)

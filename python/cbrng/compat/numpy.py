"""``numpy.random.Generator(numpy.random.Philox(seed))``, bit for bit (NumPy 2.x).

>>> g = Generator(42)   # the values of numpy.random.Generator(numpy.random.Philox(42))
>>> x = g.random(4)
"""

from __future__ import annotations

from typing import Any, Optional, Tuple, Union

import numpy as np

from .. import _cbrng
from . import _out

Size = Union[None, int, Tuple[int, ...]]


class Generator:
    """The stream of ``numpy.random.Generator(numpy.random.Philox(seed))``:
    each call draws what the same call on NumPy's generator draws, and the
    state advances alike. ``seed`` is an int of any size (as NumPy takes it)."""

    def __init__(self, seed: int) -> None:
        self._g = _cbrng._NumpyGenerator(str(int(seed)))

    @property
    def state(self) -> dict:
        """Philox's key and counter words (as ``bit_generator.state['state']``)."""
        key, counter = self._g.state()
        return {"key": list(key), "counter": list(counter)}

    def _fill(self, what: str, size: Size, dtype: Any, out: Any, cpu: Any) -> Any:
        if out is None:
            new = np.empty(() if size is None else size, dtype=np.dtype(dtype))
            cpu(new)
            return new[()] if size is None else new
        if _out.is_device(out):
            raise TypeError(
                f"{what}: out is a CUDA array, but numpy-compat output is host-only (cbrng has "
                "no device kernel for NumPy's Philox generator): pass a NumPy array, or copy "
                "the result to the device yourself"
            )
        cpu(_out.host(out, what, shape=_out.shape_of(size), dtype=dtype))
        return out

    def random(self, size: Size = None, dtype: Any = np.float64, out: Any = None) -> Any:
        """``Generator.random(size, dtype, out)``: float64 or float32 in [0, 1).
        ``out`` (as NumPy's): a NumPy array of ``dtype``, filled in place and
        returned; ``size``, when given, must be its shape. NumPy's generator
        has no device kernel: a CUDA array is a TypeError."""
        return self._fill("numpy random", size, dtype, out, self._g.random)

    def standard_normal(self, size: Size = None, dtype: Any = np.float64, out: Any = None) -> Any:
        """``Generator.standard_normal(size, dtype, out)`` (ziggurat); ``out``
        as in :meth:`random` (host only)."""
        return self._fill("numpy standard_normal", size, dtype, out, self._g.standard_normal)

    def integers(
        self,
        low: int,
        high: Optional[int] = None,
        size: Size = None,
        dtype: Any = np.int64,
        endpoint: bool = False,
    ) -> Any:
        """``Generator.integers(low, high, size, dtype, endpoint)`` for integer
        and bool dtypes (``high=None``: [0, low))."""
        if high is None:
            low, high = 0, low
        dt = np.dtype(dtype)
        name = {"b": "bool"}.get(dt.kind, ("u" if dt.kind == "u" else "i") + str(8 * dt.itemsize))
        bits = np.empty(() if size is None else size, dtype=np.uint64)
        self._g.integers(int(low), int(high), bool(endpoint), name, bits)
        out = bits.astype(np.dtype(f"u{dt.itemsize}")).view(dt)
        return out[()] if size is None else out

"""``numpy.random.Generator(numpy.random.Philox(seed))``, bit for bit (NumPy 2.x).

>>> g = Generator(42)   # the values of numpy.random.Generator(numpy.random.Philox(42))
>>> x = g.random(4)
"""

from __future__ import annotations

from typing import Any, Optional, Tuple, Union

import numpy as np

from .. import _cbrng

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

    def random(self, size: Size = None, dtype: Any = np.float64) -> Any:
        """``Generator.random(size, dtype)``: float64 or float32 in [0, 1)."""
        out = np.empty(() if size is None else size, dtype=np.dtype(dtype))
        self._g.random(out)
        return out[()] if size is None else out

    def standard_normal(self, size: Size = None, dtype: Any = np.float64) -> Any:
        """``Generator.standard_normal(size, dtype)`` (ziggurat)."""
        out = np.empty(() if size is None else size, dtype=np.dtype(dtype))
        self._g.standard_normal(out)
        return out[()] if size is None else out

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

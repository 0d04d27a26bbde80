"""``jax.random`` with the default threefry2x32 implementation, bit for bit
(JAX 0.7 on the CPU), without JAX.

>>> k = key(0)
>>> x = uniform(fold_in(k, 3), (2, 3))    # jax.random.uniform(jax.random.fold_in(k, 3), (2, 3))
"""

from __future__ import annotations

from typing import Any, List, Sequence, Union

import numpy as np

from .. import _cbrng

Key = _cbrng._JaxKey
Shape = Union[int, Sequence[int]]


def key(seed: int, *, x64: bool = False, partitionable: bool = True) -> Key:
    """``jax.random.key(seed)`` under the flags ``jax_enable_x64`` and
    ``jax_threefry_partitionable`` (JAX's default since 0.5: True)."""
    return _cbrng._JaxKey(int(seed), x64, partitionable)


def key_data(k: Key) -> np.ndarray:
    """``jax.random.key_data(k)``: two uint32 words."""
    return np.array(k.data(), dtype=np.uint32)


def fold_in(k: Key, data: int) -> Key:
    """``jax.random.fold_in(k, data)``."""
    return k.fold_in(int(data) & 0xFFFFFFFF)


def split(k: Key, num: int = 2) -> List[Key]:
    """``jax.random.split(k, num)`` as a list of keys."""
    return [k.split_at(num, i) for i in range(num)]


def _out(shape: Shape, dtype: Any) -> np.ndarray:
    return np.empty(shape, dtype=dtype)


def bits(k: Key, shape: Shape = (), dtype: Any = np.uint32) -> np.ndarray:
    """``jax.random.bits(k, shape, dtype)``: uint8, uint16, uint32, uint64 (x64)."""
    out = _out(shape, dtype)
    k.bits(out)
    return out


def uniform(k: Key, shape: Shape = (), dtype: Any = np.float32) -> np.ndarray:
    """``jax.random.uniform(k, shape, dtype)`` in [0, 1): float32, float64
    (x64), float16, bfloat16 (``ml_dtypes.bfloat16`` or uint16 bits)."""
    out = _out(shape, dtype)
    k.uniform(out)
    return out


def normal(k: Key, shape: Shape = (), dtype: Any = np.float32, *, backend: str = "cpu") -> np.ndarray:
    """``jax.random.normal(k, shape, dtype)``: float32, float64 (x64), as
    XLA:CPU computes it (``backend="cpu"``, checked against JAX 0.7.1) or as
    XLA:GPU does on an NVIDIA GPU (``backend="gpu"``: established from XLA's
    and libdevice's source, not yet checked on a GPU; see the README)."""
    out = _out(shape, dtype)
    k.normal(out, backend)
    return out

"""cuRAND's device API for Philox4_32_10, bit for bit, on the CPU.

>>> s = Philox4x32_10(seed=1234, subsequence=0, offset=0)   # curand_init
>>> u = s.uniform(8)                                        # 8 calls of curand_uniform
"""

from __future__ import annotations

import numpy as np

from .. import _cbrng


class Philox4x32_10:
    """A ``curandStatePhilox4_32_10_t`` after ``curand_init(seed, subsequence,
    offset, &state)``; each method makes ``n`` calls of the cuRAND function
    and advances the state as they would."""

    def __init__(self, seed: int, subsequence: int = 0, offset: int = 0) -> None:
        self._s = _cbrng._CurandPhilox(seed, subsequence, offset)

    def _calls(self, func: str, n: int, dtype, per_call: int = 1, **kw) -> np.ndarray:
        out = np.empty(n * per_call, dtype=dtype)
        self._s.calls(func, out, **kw)
        return out

    def skipahead(self, n: int) -> None:
        """``skipahead(n, &state)``."""
        self._s.skipahead(n)

    def skipahead_sequence(self, n: int) -> None:
        """``skipahead_sequence(n, &state)``."""
        self._s.skipahead_sequence(n)

    def curand(self, n: int) -> np.ndarray:
        """``n`` calls of ``curand`` (uint32)."""
        return self._calls("curand", n, np.uint32)

    def uniform(self, n: int) -> np.ndarray:
        """``n`` calls of ``curand_uniform`` (float32 in (0, 1])."""
        return self._calls("uniform", n, np.float32)

    def uniform4(self, n: int) -> np.ndarray:
        """``n`` calls of ``curand_uniform4`` (4n float32)."""
        return self._calls("uniform4", n, np.float32, 4)

    def uniform_double(self, n: int) -> np.ndarray:
        """``n`` calls of ``curand_uniform_double``."""
        return self._calls("uniform_double", n, np.float64)

    def normal(self, n: int) -> np.ndarray:
        """``n`` calls of ``curand_normal`` (float32, Box-Muller pairs)."""
        return self._calls("normal", n, np.float32)

    def normal2(self, n: int) -> np.ndarray:
        """``n`` calls of ``curand_normal2`` (2n float32)."""
        return self._calls("normal2", n, np.float32, 2)

    def normal_double(self, n: int) -> np.ndarray:
        """``n`` calls of ``curand_normal_double``."""
        return self._calls("normal_double", n, np.float64)

    def log_normal(self, n: int, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
        """``n`` calls of ``curand_log_normal(state, mean, std)``."""
        return self._calls("log_normal", n, np.float32, mean=mean, std=std)

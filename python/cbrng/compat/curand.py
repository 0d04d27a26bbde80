"""cuRAND's device API for Philox4_32_10, bit for bit, on the CPU, or on a
GPU into a CUDA array.

>>> s = Philox4x32_10(seed=1234, subsequence=0, offset=0)   # curand_init
>>> u = s.uniform(8)                                        # 8 calls of curand_uniform

Every method takes ``out=``: a NumPy array (filled in place on the CPU) or a
CUDA array (a PyTorch CUDA tensor, a CuPy array: anything with
``__cuda_array_interface__``, or DLPack on a CUDA device), filled in place
by cbrng's twin of cuRAND's device code on the array's own device and
current stream, and returned. ``n`` (the calls) may then be left out: it is
``out``'s size over the values a call gives. On the GPU, the kernels start
from this state (``curand_init`` at its seed, subsequence and position) and
the state then moves past the calls as on the CPU. ``curand``, the uniforms
and ``uniform_double`` equal the CPU's bit for bit there; the normal and
log-normal draws call CUDA's own ``logf``, ``log``, ``expf`` and sine-cosine,
as cuRAND's code does (the CPU's values are within a few ulp of them).
``normal``, ``normal_double`` and ``log_normal`` keep the second value of a
Box-Muller pair for the next call: into a CUDA array they take an even
``n`` and a state with no such value pending.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import numpy as np

from .. import _cbrng
from . import _out

_M64 = (1 << 64) - 1
_SUBSEQUENCE = 1 << 66  # 32-bit values in a subsequence

# method -> (the kernel's name, NumPy dtype, elements a call gives, values
# of the subsequence a call moves past (a pair's two calls: 2 of these each),
# the Box-Muller flag it keeps or None)
_FUNCS: Dict[str, Tuple[str, Any, int, int, Optional[str]]] = {
    "curand": ("curand", np.uint32, 1, 1, None),
    "uniform": ("uniform", np.float32, 1, 1, None),
    "uniform4": ("uniform4", np.float32, 4, 4, None),
    "uniform_double": ("uniform-double", np.float64, 1, 1, None),
    "normal": ("normal", np.float32, 1, 1, "normal"),
    "normal2": ("normal2", np.float32, 2, 2, None),
    "normal_double": ("normal-double", np.float64, 1, 2, "double"),
    "log_normal": ("log-normal", np.float32, 1, 1, "log_normal"),
}
_TYPES = {np.uint32: {"u4": "u32"}, np.float32: {"f4": "f32"}, np.float64: {"f8": "f64"}}


class Philox4x32_10:
    """A ``curandStatePhilox4_32_10_t`` after ``curand_init(seed, subsequence,
    offset, &state)``; each method makes ``n`` calls of the cuRAND function
    and advances the state as they would."""

    def __init__(self, seed: int, subsequence: int = 0, offset: int = 0) -> None:
        self._s = _cbrng._CurandPhilox(seed, subsequence, offset)
        # Where the state is, as curand_init's arguments (the GPU's start):
        # the seed, the subsequence and the 32-bit values into it; and the
        # Box-Muller value pending (curand_normal's or curand_log_normal's,
        # which share one slot; curand_normal_double's).
        self._seed = int(seed)
        self._subsequence = int(subsequence) & _M64
        self._position = 0
        self._pending: Optional[str] = None
        self._pending_double = False
        self._move(int(offset))

    def _move(self, values: int) -> None:
        """The position moves ``values`` 32-bit values on (carrying into the
        subsequence, as the state's 128-bit counter does)."""
        total = self._subsequence * _SUBSEQUENCE + self._position + values
        self._subsequence = (total // _SUBSEQUENCE) & _M64
        self._position = total % _SUBSEQUENCE

    def _track(self, func: str, n: int) -> None:
        """Follows ``n`` CPU calls of ``func``: the values they draw and the
        Box-Muller value they leave pending."""
        _, _, _, per, flag = _FUNCS[func]
        if flag is None or n == 0:
            self._move(n * per)
            return
        if flag == "double":
            if self._pending_double:
                n -= 1
            self._move(2 * per * ((n + 1) // 2))
            self._pending_double = n % 2 == 1
            return
        if self._pending == flag:
            n -= 1
            self._pending = None
        if n > 0:
            self._move(2 * per * ((n + 1) // 2))
            self._pending = flag if n % 2 == 1 else None

    def _calls(self, func: str, n: Optional[int], out: Any, **kw: Any) -> Any:
        name, dtype, per_call, per, flag = _FUNCS[func]
        what = f"curand {func}"
        if out is None:
            if n is None:
                raise TypeError(f"{what}: give n, or out=")
            new = np.empty(int(n) * per_call, dtype=dtype)
            self._s.calls(func, new, **kw)
            self._track(func, int(n))
            return new
        count = None if n is None else int(n) * per_call
        if not _out.is_device(out):
            h = _out.host(out, what, count=count, dtype=dtype)
            self._s.calls(func, h, **kw)
            self._track(func, h.size // per_call)
            return out
        d, t = _out.device(out, what, _TYPES[dtype], count=count)
        if d.count % per_call:
            raise ValueError(
                f"{what}: gives {per_call} values a call; out has {d.count} elements, "
                f"not a multiple of {per_call}"
            )
        calls = d.count // per_call
        if flag is not None:
            if (self._pending_double if flag == "double" else self._pending is not None):
                raise ValueError(
                    f"{what}: the state holds the second value of a Box-Muller pair (an odd "
                    "number of CPU calls), which the GPU cannot start from; make one more "
                    "call on the CPU first"
                )
            if calls % 2:
                raise ValueError(
                    f"{what}: {calls} calls into a CUDA array would leave the second value "
                    "of a Box-Muller pair on the GPU; use an even number of calls"
                )
        if self._position > _M64:
            raise ValueError(
                f"{what}: the state is {self._position} values into its subsequence, past "
                "curand_init's 64-bit offset, where the GPU cannot start"
            )
        _cbrng._cuda_curand_fill(name, self._seed & _M64, self._subsequence, self._position,
                                 calls, float(kw.get("mean", 0.0)), float(kw.get("std", 1.0)),
                                 t, d.ptr, d.count, d.device, d.cu_stream, wait=_out.wait(d))
        # queued: the state moves past the calls, as on the CPU
        moved = calls * per
        self._move(moved)
        while moved:
            step = min(moved, _M64)
            self._s.skipahead(step)
            moved -= step
        return out

    def skipahead(self, n: int) -> None:
        """``skipahead(n, &state)``."""
        self._s.skipahead(n)
        self._move(int(n))

    def skipahead_sequence(self, n: int) -> None:
        """``skipahead_sequence(n, &state)``."""
        self._s.skipahead_sequence(n)
        self._subsequence = (self._subsequence + int(n)) & _M64

    def curand(self, n: Optional[int] = None, *, out: Any = None) -> Any:
        """``n`` calls of ``curand`` (uint32); ``out=`` a uint32 array of n."""
        return self._calls("curand", n, out)

    def uniform(self, n: Optional[int] = None, *, out: Any = None) -> Any:
        """``n`` calls of ``curand_uniform`` (float32 in (0, 1]); ``out=`` float32."""
        return self._calls("uniform", n, out)

    def uniform4(self, n: Optional[int] = None, *, out: Any = None) -> Any:
        """``n`` calls of ``curand_uniform4`` (4n float32); ``out=`` float32 of 4n."""
        return self._calls("uniform4", n, out)

    def uniform_double(self, n: Optional[int] = None, *, out: Any = None) -> Any:
        """``n`` calls of ``curand_uniform_double``; ``out=`` float64."""
        return self._calls("uniform_double", n, out)

    def normal(self, n: Optional[int] = None, *, out: Any = None) -> Any:
        """``n`` calls of ``curand_normal`` (float32, Box-Muller pairs); ``out=`` float32."""
        return self._calls("normal", n, out)

    def normal2(self, n: Optional[int] = None, *, out: Any = None) -> Any:
        """``n`` calls of ``curand_normal2`` (2n float32); ``out=`` float32 of 2n."""
        return self._calls("normal2", n, out)

    def normal_double(self, n: Optional[int] = None, *, out: Any = None) -> Any:
        """``n`` calls of ``curand_normal_double``; ``out=`` float64."""
        return self._calls("normal_double", n, out)

    def log_normal(self, n: Optional[int] = None, mean: float = 0.0, std: float = 1.0, *,
                   out: Any = None) -> Any:
        """``n`` calls of ``curand_log_normal(state, mean, std)``; ``out=`` float32."""
        return self._calls("log_normal", n, out, mean=mean, std=std)

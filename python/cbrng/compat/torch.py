"""PyTorch's CUDA random numbers (``torch.rand``, ``randn``, ``bernoulli_``,
dropout masks) replayed on the CPU for a launch geometry, bit for bit, or
made on a GPU into a CUDA tensor.

>>> g = Generator(0, device="h100-sxm")   # torch.cuda.manual_seed(0) on an H100 SXM
>>> x = g.rand(1000)                      # torch.rand(1000, device="cuda"), as NumPy

Every method takes ``out=``: a NumPy array (filled in place on the CPU) or a
CUDA array (a PyTorch CUDA tensor, a CuPy array: anything with
``__cuda_array_interface__``, or DLPack on a CUDA device, such as a
bfloat16 tensor), filled in place by cbrng's twin of PyTorch's kernel on
the array's own device and current stream, and returned. The size argument
may then be left out (it is ``out``'s); given, it must be ``out``'s, and so
must ``dtype``. The generator advances exactly as for the CPU replay, and
only once the launch is queued (a refused or failed call leaves it as it
was). ``rand``, ``uniform``, ``bernoulli`` and the dropout masks on the GPU
equal the CPU's bit for bit; ``randn``/``normal`` call CUDA's own ``logf``
and sine-cosine there, as PyTorch's kernel does (the CPU's values are
within a few ulp of them).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

import numpy as np

from .. import _cbrng
from . import _out

DEVICES = list(_cbrng._TORCH_DEVICES)
"""The named GPUs (their SM count and threads per SM decide the launch)."""

# Device typestrs -> the kernels' dtypes ('u2': bfloat16 bits, as on the CPU).
_FLOATS: Dict[str, str] = {"f4": "f32", "f8": "f64", "f2": "f16", "u2": "bf16", "bf16": "bf16"}
_F32: Dict[str, str] = {"f4": "f32"}
_MASK: Dict[str, str] = {"u1": "u8", "b1": "u8"}


class Generator:
    """``torch.cuda.manual_seed(seed)`` on a GPU named by ``device`` (one of
    :data:`DEVICES`) or described by ``sm_count`` and ``threads_per_sm``.
    Each call advances the philox offset as PyTorch's would."""

    def __init__(
        self,
        seed: int,
        device: Optional[str] = None,
        *,
        sm_count: Optional[int] = None,
        threads_per_sm: Optional[int] = None,
        philox_offset: int = 0,
    ) -> None:
        self._g = _cbrng._TorchGenerator(seed, device, sm_count, threads_per_sm, philox_offset)

    @property
    def philox_offset(self) -> int:
        """The generator's philox offset (advanced by every call)."""
        return self._g.philox_offset

    def _fill(
        self,
        what: str,
        op: str,
        numel: Optional[int],
        dtype: Any,
        out: Any,
        cpu: Callable[[np.ndarray], None],
        types: Dict[str, str],
        a: float = 0.0,
        b: float = 0.0,
        input: Optional[str] = None,
    ) -> Any:
        if out is None:
            if numel is None:
                raise TypeError(f"{what}: give numel, or out=")
            new = np.empty(int(numel), dtype=np.float32 if dtype is None else dtype)
            cpu(new)
            return new
        count = None if numel is None else int(numel)
        if _out.is_device(out):
            d, t = _out.device(out, what, types, count=count, dtype=dtype)
            _cbrng._cuda_torch_fill(self._g, op, float(a), float(b), input, t, d.ptr, d.count,
                                    d.device, d.cu_stream, wait=_out.wait(d))
            return out
        cpu(_out.host(out, what, count=count, dtype=dtype))
        return out

    def uniform(
        self,
        numel: Optional[int] = None,
        low: float = 0.0,
        high: float = 1.0,
        dtype: Any = None,
        *,
        out: Any = None,
    ) -> Any:
        """``torch.empty(numel, dtype=dtype, device="cuda").uniform_(low, high)``:
        float32 (the default), float64, float16, bfloat16 (``ml_dtypes.bfloat16``
        or uint16 bits). With ``out=``, fills it (see the module's notes)."""
        return self._fill("torch uniform_", "uniform", numel, dtype, out,
                          lambda o: self._g.uniform(o, low, high), _FLOATS, low, high)

    def rand(self, numel: Optional[int] = None, dtype: Any = None, *, out: Any = None) -> Any:
        """``torch.rand(numel, dtype=dtype, device="cuda")``; ``out=`` as in :meth:`uniform`."""
        return self.uniform(numel, 0.0, 1.0, dtype, out=out)

    def normal(
        self,
        numel: Optional[int] = None,
        mean: float = 0.0,
        std: float = 1.0,
        dtype: Any = None,
        *,
        out: Any = None,
    ) -> Any:
        """``torch.empty(numel, dtype=dtype, device="cuda").normal_(mean, std)``
        (dtypes as :meth:`uniform`). Into a CUDA array the values are the
        GPU's own (CUDA's ``logf`` and sine-cosine), within a few ulp of the CPU's."""
        return self._fill("torch normal_", "normal", numel, dtype, out,
                          lambda o: self._g.normal(o, mean, std), _FLOATS, mean, std)

    def randn(self, numel: Optional[int] = None, dtype: Any = None, *, out: Any = None) -> Any:
        """``torch.randn(numel, dtype=dtype, device="cuda")``; ``out=`` as in :meth:`normal`."""
        return self.normal(numel, 0.0, 1.0, dtype, out=out)

    def bernoulli(self, numel: Optional[int] = None, p: float = 0.5, *, out: Any = None) -> Any:
        """``torch.empty(numel, device="cuda").bernoulli_(p)`` (float32 0/1;
        ``out=``: a float32 array)."""
        return self._fill("torch bernoulli_", "bernoulli", numel, None, out,
                          lambda o: self._g.bernoulli(o, p), _F32, p)

    def dropout_mask(
        self,
        numel: Optional[int] = None,
        p: float = 0.5,
        dtype: Any = np.float32,
        *,
        out: Any = None,
    ) -> Any:
        """The keep mask (bool, True = kept) of ``torch.nn.functional.dropout``
        on a CUDA tensor of ``numel`` elements of ``dtype`` (the input's:
        float32, float64, float16, bfloat16). ``out=``: a uint8 or bool array
        (1 = kept), filled in place and returned as given."""
        name = np.dtype(dtype).name
        if name not in ("float32", "float64", "float16", "bfloat16"):
            raise TypeError(f"torch dropout: unsupported dtype {name}")
        if out is None:
            if numel is None:
                raise TypeError("torch dropout mask: give numel, or out=")
            mask = np.empty(int(numel), dtype=np.uint8)
            self._g.dropout_mask(mask, p, name)
            return mask.view(np.bool_)
        what = "torch dropout mask"
        if not _out.is_device(out) and isinstance(out, np.ndarray) and out.dtype == np.bool_:
            count = None if numel is None else int(numel)
            self._g.dropout_mask(_out.host(out, what, count=count).view(np.uint8), p, name)
            return out
        return self._fill(what, "dropout_mask", numel, None, out,
                          lambda o: self._g.dropout_mask(o, p, name), _MASK, p, input=name)

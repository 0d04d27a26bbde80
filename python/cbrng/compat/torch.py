"""PyTorch's CUDA random numbers (``torch.rand``, ``randn``, ``bernoulli_``,
dropout masks) replayed on the CPU for a launch geometry, bit for bit.

>>> g = Generator(0, device="h100-sxm")   # torch.cuda.manual_seed(0) on an H100 SXM
>>> x = g.rand(1000)                      # torch.rand(1000, device="cuda")
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .. import _cbrng

DEVICES = list(_cbrng._TORCH_DEVICES)
"""The named GPUs (their SM count and threads per SM decide the launch)."""


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

    def uniform(self, numel: int, low: float = 0.0, high: float = 1.0, dtype: Any = np.float32) -> np.ndarray:
        """``torch.empty(numel, dtype=dtype, device="cuda").uniform_(low, high)``."""
        out = np.empty(numel, dtype=dtype)
        self._g.uniform(out, low, high)
        return out

    def rand(self, numel: int, dtype: Any = np.float32) -> np.ndarray:
        """``torch.rand(numel, dtype=dtype, device="cuda")``."""
        return self.uniform(numel, 0.0, 1.0, dtype)

    def normal(self, numel: int, mean: float = 0.0, std: float = 1.0, dtype: Any = np.float32) -> np.ndarray:
        """``torch.empty(numel, dtype=dtype, device="cuda").normal_(mean, std)``."""
        out = np.empty(numel, dtype=dtype)
        self._g.normal(out, mean, std)
        return out

    def randn(self, numel: int, dtype: Any = np.float32) -> np.ndarray:
        """``torch.randn(numel, dtype=dtype, device="cuda")``."""
        return self.normal(numel, 0.0, 1.0, dtype)

    def bernoulli(self, numel: int, p: float) -> np.ndarray:
        """``torch.empty(numel, device="cuda").bernoulli_(p)`` (float32 0/1)."""
        out = np.empty(numel, dtype=np.float32)
        self._g.bernoulli(out, p)
        return out

    def dropout_mask(self, numel: int, p: float, dtype: Any = np.float32) -> np.ndarray:
        """The keep mask (bool, True = kept) of ``torch.nn.functional.dropout``
        on a CUDA tensor of ``numel`` elements of ``dtype``."""
        out = np.empty(numel, dtype=np.uint8)
        self._g.dropout_mask(out, p, np.dtype(dtype).name)
        return out.view(np.bool_)

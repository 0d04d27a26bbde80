"""The GPU tests' common gate: which library (PyTorch or CuPy) gives CUDA
arrays here, and a skip with a printed notice where none does (a failure
under CBRNG_REQUIRE_GPU=1, as on the GPU machine)."""

from __future__ import annotations

import os

import pytest


def gpu_library() -> str | None:
    """"torch" or "cupy" when that library sees a CUDA GPU, else None."""
    try:
        import torch

        if torch.cuda.is_available():
            return "torch"
    except ImportError:
        pass
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return "cupy"
    except Exception:
        pass
    return None


def need_gpu(lib: str | None, what: str) -> None:
    """Skips the calling test (saying that `what` did not run) when `lib` is None."""
    if lib is None:
        if os.environ.get("CBRNG_REQUIRE_GPU") == "1":
            pytest.fail("CBRNG_REQUIRE_GPU=1 but no CUDA GPU with PyTorch or CuPy")
        print(f"NOTICE: no CUDA GPU with PyTorch or CuPy here: {what} not run")
        pytest.skip("no CUDA GPU with PyTorch or CuPy")

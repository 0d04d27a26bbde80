"""Other systems' random numbers, bit for bit, as NumPy arrays (``cbrng::compat``).

* :mod:`cbrng.compat.numpy`: ``numpy.random.Generator(numpy.random.Philox(seed))`` (NumPy 2.x).
* :mod:`cbrng.compat.jax`: ``jax.random`` with the default threefry2x32 (JAX 0.7, CPU).
* :mod:`cbrng.compat.curand`: cuRAND's device API, Philox4_32_10 (CUDA 12.9 headers).
* :mod:`cbrng.compat.torch`: PyTorch's CUDA distribution kernels, replayed for a named GPU.

Each is computed on the CPU by the Rust crate; the versions checked are
those named in its ``src/compat/`` files. The torch, curand and jax
functions also fill CUDA arrays in place (``out=``: PyTorch CUDA tensors,
CuPy arrays, DLPack on a CUDA device) with the compat kernels of
``cbrng::cuda::compat``, on the array's device and current stream; NumPy's
generator is host-only (a CUDA ``out=`` is a TypeError).
"""

from . import curand, jax, numpy, torch

__all__ = ["curand", "jax", "numpy", "torch"]

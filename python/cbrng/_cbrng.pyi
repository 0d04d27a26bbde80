"""Type stubs of the PyO3 layer (``cbrng._cbrng``); the public names are
re-exported (and extended) by ``cbrng``."""

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

CONTRACT_VERSION: int
LIMBS: int
"""Limbs in one SumState's limb form (``cbrng::reduce::LIMBS``, 144)."""
MAX_LIMB_STATES: int
"""The most states one limb sum may hold (2^30)."""
_TORCH_DEVICES: List[str]

def algorithms() -> List[str]:
    """The generators' names, as ``Stream(algo=...)`` accepts them."""

class Stream:
    """A stream of the contract: generator, key and stream id."""

    def __new__(
        cls,
        algo: str = "philox4x32-10",
        seed: Optional[int] = None,
        stream: int = 0,
        *,
        key: Optional[Sequence[int]] = None,
    ) -> "Stream": ...
    @property
    def algo(self) -> str:
        """The generator's name, e.g. ``"philox4x32-10"``."""
    @property
    def key(self) -> List[int]:
        """The key words (as many as the generator takes)."""
    @property
    def stream(self) -> int:
        """The stream id."""
    def fill(
        self,
        out: Any,
        dist: str = "uniform",
        offset: int = 0,
        *,
        mean: Optional[float] = None,
        std: Optional[float] = None,
        p: Optional[float] = None,
        low: Optional[int] = None,
        high: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> Any:
        """Fills ``out`` (a C-contiguous writable NumPy array or buffer) in
        place with elements ``[offset, offset + out.size)`` of ``dist`` in
        ``out``'s dtype (uint8, uint32, uint64, int32, int64, bool, float16,
        float32, float64, bfloat16); returns ``out``. ``low`` and ``high``
        may be negative for int32 and int64."""
    def _len(
        self,
        dist: str = "uniform",
        dtype: str = "f32",
        *,
        mean: Optional[float] = None,
        std: Optional[float] = None,
        p: Optional[float] = None,
        low: Optional[int] = None,
        high: Optional[int] = None,
    ) -> int: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

def _reduce(x: np.ndarray, op: str, out: str, threads: Optional[int] = None) -> float: ...
def _dot(a: np.ndarray, b: np.ndarray, out: str, threads: Optional[int] = None) -> float: ...
def _sum_rows(m: np.ndarray, cols: int, out: str) -> np.ndarray: ...

class SumState:
    """The mergeable exact state of a sum."""

    def __init__(self) -> None: ...
    def _add(self, x: np.ndarray, *, threads: Optional[int] = None) -> None: ...
    def merge(self, other: "SumState") -> None:
        """Adds another state's terms to this one (exact; order never matters)."""
    @property
    def count(self) -> int:
        """The number of terms added."""
    def to_bytes(self) -> bytes:
        """The state as bytes (the Rust crate's versioned format)."""
    def _load(self, data: bytes) -> None: ...
    def _result(self, dtype: str) -> float: ...
    def _mean(self, dtype: str) -> float: ...
    def to_limbs(self) -> np.ndarray:
        """The limb form: a 1-D int64 array of ``LIMBS`` limbs; the
        element-wise sum of several states' limbs is the limb form of their
        merge."""
    def _load_limbs(self, limbs: np.ndarray) -> None: ...
    def __eq__(self, other: object) -> bool: ...

def _rows_to_limbs(states: Sequence[SumState]) -> np.ndarray: ...
def _rows_from_limb_sum(limbs: np.ndarray) -> List[bytes]: ...

def _dropout(
    stream: Stream,
    p: float,
    offset: int,
    x: np.ndarray,
    out: np.ndarray,
    mask: Optional[np.ndarray] = None,
    threads: Optional[int] = None,
) -> None: ...

class DropoutKeys:
    """The per-(step, layer) dropout streams of a training run."""

    def __new__(
        cls, seed: Optional[int] = None, algo: str = "philox4x32-10", *, key: Optional[Sequence[int]] = None
    ) -> "DropoutKeys": ...
    @property
    def algo(self) -> str: ...
    @property
    def seed(self) -> Optional[int]: ...
    def _stream_key(self, step: int, layer: int) -> List[int]: ...
    def __eq__(self, other: object) -> bool: ...

class _NumpyGenerator:
    def __init__(self, seed: str) -> None: ...
    def state(self) -> Tuple[Tuple[int, int], Tuple[int, int, int, int]]: ...
    def random(self, out: np.ndarray) -> None: ...
    def standard_normal(self, out: np.ndarray) -> None: ...
    def integers(self, low: int, high: int, endpoint: bool, dtype: str, out: np.ndarray) -> None: ...

class _JaxKey:
    def __init__(self, seed: int, x64: bool = False, partitionable: bool = True) -> None: ...
    def data(self) -> Tuple[int, int]: ...
    @property
    def x64(self) -> bool: ...
    @property
    def partitionable(self) -> bool: ...
    def fold_in(self, data: int) -> "_JaxKey": ...
    def split_at(self, num: int, index: int) -> "_JaxKey": ...
    def bits(self, out: np.ndarray) -> None: ...
    def uniform(self, out: np.ndarray) -> None: ...
    def normal(self, out: np.ndarray, backend: str = "cpu") -> None: ...

class _CurandPhilox:
    def __init__(self, seed: int, subsequence: int = 0, offset: int = 0) -> None: ...
    def skipahead(self, n: int) -> None: ...
    def skipahead_sequence(self, n: int) -> None: ...
    def calls(self, func: str, out: np.ndarray, mean: float = 0.0, std: float = 1.0) -> None: ...

class _TorchGenerator:
    def __init__(
        self,
        seed: int,
        device: Optional[str] = None,
        sm_count: Optional[int] = None,
        threads_per_sm: Optional[int] = None,
        philox_offset: int = 0,
    ) -> None: ...
    @property
    def philox_offset(self) -> int: ...
    @property
    def seed(self) -> int: ...
    def uniform(self, out: np.ndarray, from_: float, to: float) -> None: ...
    def normal(self, out: np.ndarray, mean: float, std: float) -> None: ...
    def bernoulli(self, out: np.ndarray, p: float) -> None: ...
    def dropout_mask(self, out: np.ndarray, p: float, dtype: str) -> None: ...

_HAS_CUDA: bool

def _cuda_fill(
    stream: Stream,
    dist: str,
    dtype: str,
    offset: int,
    ptr: int,
    count: int,
    device: Optional[int],
    cu_stream: int,
    *,
    mean: Optional[float] = None,
    std: Optional[float] = None,
    p: Optional[float] = None,
    low: Optional[int] = None,
    high: Optional[int] = None,
    wait: bool = False,
) -> None: ...
def _cuda_dropout(
    stream: Stream,
    p: float,
    dtype: str,
    offset: int,
    count: int,
    x: int,
    y: int,
    mask: int,
    device: Optional[int],
    cu_stream: int,
    wait: bool = False,
) -> None: ...
def _cuda_sum_add(
    state: SumState,
    dtype: str,
    ptr: int,
    count: int,
    device: Optional[int],
    cu_stream: int,
) -> None:
    """Adds the exact sum of ``count`` elements of ``dtype`` (f32, f64, f16,
    bf16) at device address ``ptr`` to ``state``, summed on the GPU on the
    stream ``cu_stream`` (``Gpu::sum_state_raw``: the CPU's state, bit for
    bit); ``device`` None asks the driver. Waits for the result."""
def _cuda_copy_to_host(ptr: int, nbytes: int, device: Optional[int], cu_stream: int) -> bytes:
    """The ``nbytes`` bytes of device memory at ``ptr``, copied to the host on
    the stream ``cu_stream`` (``Gpu::copy_raw_to_host``); ``device`` None asks
    the driver. Waits for the copy."""
def _cuda_curand_fill(
    func: str,
    seed: int,
    subsequence: int,
    offset: int,
    count: int,
    mean: float,
    std: float,
    dtype: str,
    ptr: int,
    len: int,
    device: Optional[int],
    cu_stream: int,
    wait: bool = False,
) -> None:
    """``count`` calls of the cuRAND function ``func`` (``curand``,
    ``uniform``, ``uniform4``, ``uniform-double``, ``normal``, ``normal2``,
    ``normal-double``, ``log-normal``) after ``curand_init(seed, subsequence,
    offset)`` into ``len`` elements of ``dtype`` (u32, f32, f64) at device
    address ``ptr``, queued on ``cu_stream`` (``Gpu::curand_fill_raw``).
    ValueError for bad parameters, RuntimeError for the GPU's errors."""
def _cuda_torch_fill(
    generator: _TorchGenerator,
    op: str,
    a: float,
    b: float,
    input: Optional[str],
    dtype: str,
    ptr: int,
    len: int,
    device: Optional[int],
    cu_stream: int,
    wait: bool = False,
) -> None:
    """PyTorch's CUDA kernel for ``op`` (``uniform``: a, b = from, to;
    ``normal``: mean, std; ``bernoulli``: a = p; ``dropout_mask``: a = p,
    ``input`` the input's dtype name) into ``len`` elements of ``dtype`` at
    ``ptr`` (``Gpu::torch_fill_raw``); ``generator`` advances as on the CPU,
    only once the launch is queued."""
def _cuda_jax_fill(
    key: _JaxKey,
    func: str,
    dtype: str,
    ptr: int,
    len: int,
    device: Optional[int],
    cu_stream: int,
    wait: bool = False,
) -> None:
    """``jax.random.bits`` / ``uniform`` / ``normal`` (XLA:GPU's arithmetic)
    for ``key`` into ``len`` elements of ``dtype`` at ``ptr``
    (``Gpu::jax_fill_raw``)."""

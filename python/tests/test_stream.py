"""Stream.fill / Stream.random: bit-identity with the Rust program for every
generator x distribution x dtype, offsets, slices and views, buffers, errors,
threads and Ctrl-C."""

from __future__ import annotations

import array
import concurrent.futures
import os
import pickle
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import cbrng

ALGOS = cbrng.algorithms()

# (distribution, CLI --dist, keyword parameters, dtypes)
CASES = [
    ("bits", "bits", {}, ["u32", "u64", "u8"]),
    ("uniform", "uniform", {}, ["f32", "f64", "f16", "bf16"]),
    ("normal", "normal", {}, ["f32", "f64"]),
    ("normal", "normal:-1.5,0.25", {"mean": -1.5, "std": 0.25}, ["f32", "f64"]),
    ("bernoulli", "bernoulli:0.3", {"p": 0.3}, ["u8"]),
    ("int", "int:5..1005", {"low": 5, "high": 1005}, ["u32", "u64"]),
    ("int", "int:3..203", {"low": 3, "high": 203}, ["u8"]),
    ("int", "int:0..18446744073709551616", {"high": 2**64}, ["u64"]),
]
NP = {
    "u8": np.uint8,
    "u32": np.uint32,
    "u64": np.uint64,
    "f16": np.float16,
    "f32": np.float32,
    "f64": np.float64,
    "bf16": np.uint16,
}
OFFSETS = [0, 3, 2**29 + 1]  # within every stream (philox2x32: 2^31 int u64 elements)


def test_algorithms_are_the_eight_generators():
    assert sorted(ALGOS) == sorted(
        [f"{f}{s}-{r}" for f, r in (("philox", 10), ("threefry", 20)) for s in ("2x32", "4x32", "2x64", "4x64")]
    )


@pytest.mark.parametrize("algo", ALGOS)
@pytest.mark.parametrize("dist,spec,params,dtypes", CASES, ids=[c[1] for c in CASES])
def test_bits_equal_rust_cli(cli, algo, dist, spec, params, dtypes):
    s = cbrng.Stream(algo, seed=0x1234, stream=7)
    for dt in dtypes:
        for off in OFFSETS:
            n = 37
            raw = cli("fill", "--algo", algo, "--seed", 0x1234, "--stream", 7, "--offset", off,
                      "--count", n, "--dist", spec, "--dtype", dt, "--format", "raw",
                      "--device", "cpu")
            want = np.frombuffer(raw, dtype=NP[dt])
            got = s.random(n, dist, NP[dt], offset=off, **params)
            assert got.dtype == np.dtype(NP[dt])
            assert got.tobytes() == want.tobytes(), (algo, spec, dt, off)
            # The program's spelling of the distribution gives the same bits.
            assert s.random(n, spec, NP[dt], offset=off).tobytes() == raw


def test_key_words_equal_cli(cli):
    s = cbrng.Stream("threefry4x64-20", key=[1, 2**64 - 1, 3, 4], stream=2**63)
    raw = cli("fill", "--algo", "threefry4x64-20", "--key", "1,ffffffffffffffff,3,4",
              "--stream", 2**63, "--count", 100, "--dist", "normal", "--dtype", "f64",
              "--format", "raw", "--device", "cpu")
    assert s.random(100, "normal", np.float64).tobytes() == raw


def test_large_fill_equals_cli_across_chunks_and_threads(cli):
    # 20 MiB of f32: two GIL-free pieces of 16 MiB, several threads.
    n = 5 << 20
    s = cbrng.Stream("philox4x32-10", seed=9)
    raw = cli("fill", "--algo", "philox4x32-10", "--seed", 9, "--count", n, "--dist",
              "normal", "--dtype", "f32", "--offset", 11, "--format", "raw", "--device", "cpu")
    for threads in (None, 1, 3):
        assert s.random(n, "normal", np.float32, 11, threads=threads).tobytes() == raw


def test_bfloat16_dtypes():
    s = cbrng.Stream(seed=5)
    bits = s.random(64, dtype="bf16" if cbrng.bfloat16 is None else np.uint16)
    assert bits.dtype == np.uint16
    if cbrng.bfloat16 is not None:
        b = s.random(64, dtype="bf16")
        assert b.dtype == cbrng.bfloat16
        assert b.view(np.uint16).tobytes() == bits.tobytes()
        assert np.all((b.astype(np.float32) >= 0) & (b.astype(np.float32) < 1))


def test_default_dtypes_follow_the_rust_contract():
    s = cbrng.Stream()
    assert s.random(2).dtype == np.float32
    assert s.random(2, "bits").dtype == np.uint32
    assert s.random(2, "normal").dtype == np.float32
    assert s.random(2, "bernoulli", p=0.5).dtype == np.uint8
    assert s.random(2, "int", high=3).dtype == np.uint32
    assert s.random((2, 3), dtype="f64").shape == (2, 3)


def test_fill_slices_and_views_match_offsets():
    s = cbrng.Stream("threefry2x64-20", seed=3)
    whole = s.random(1000, "normal", np.float64)
    a = np.zeros(1000)
    s.fill(a[100:300], "normal", offset=100)
    assert a[100:300].tobytes() == whole[100:300].tobytes()
    assert not a[:100].any() and not a[300:].any()
    # A C-contiguous row of a 2-D array, and a reshaped view.
    m = np.zeros((10, 100))
    s.fill(m[4], "normal", offset=400)
    assert m[4].tobytes() == whole[400:500].tobytes()
    v = np.zeros(1000).reshape(20, 50)
    assert s.fill(v, "normal") is v
    assert v.ravel().tobytes() == whole.tobytes()


def test_fill_buffers_without_copy():
    s = cbrng.Stream(seed=1)
    b = bytearray(64)
    assert s.fill(b, "bits") is b
    assert bytes(b) == s.random(64, "bits", np.uint8).tobytes()
    f = array.array("f", [0.0] * 16)
    s.fill(f)
    assert np.array(f, np.float32).tobytes() == s.random(16).tobytes()
    mv = memoryview(bytearray(8 * 10)).cast("d")
    s.fill(mv, "normal")
    assert np.frombuffer(mv.obj if hasattr(mv, "obj") else mv, np.float64).tobytes() == \
        s.random(10, "normal", np.float64).tobytes()
    # A writable memoryview slice of an array writes into the array.
    arr = np.zeros(16, np.uint32)
    s.fill(memoryview(arr)[4:8], "bits", offset=4)
    assert arr[4:8].tobytes() == s.random(16, "bits")[4:8].tobytes()
    assert not arr[:4].any() and not arr[8:].any()
    empty = np.zeros(0, np.float32)
    assert s.fill(empty) is empty


@pytest.mark.parametrize(
    "make,exc,words",
    [
        (lambda: np.zeros(10)[::2], ValueError, "not C-contiguous"),
        (lambda: np.zeros((4, 4)).T, ValueError, "not C-contiguous"),
        (lambda: memoryview(bytearray(16))[::2], ValueError, "not C-contiguous"),
        (lambda: bytes(8), ValueError, "read-only"),
        (lambda: np.zeros(4, np.int16), TypeError, "unsupported dtype"),
        (lambda: np.zeros(4, np.complex64), TypeError, "unsupported dtype"),
        (lambda: np.zeros(4, ">f4"), ValueError, "byte order"),
        (lambda: memoryview(bytearray(8)).cast("b"), TypeError, "unsupported buffer format"),
        (lambda: [0.0, 1.0], TypeError, "NumPy array or a writable buffer"),
        (lambda: np.frombuffer(bytearray(17), np.uint8)[1:].view(np.uint32), ValueError,
         "aligned"),
    ],
)
def test_bad_outputs_are_errors_not_copies(make, exc, words):
    with pytest.raises(exc, match=words):
        cbrng.Stream().fill(make(), "bits")


def test_read_only_array():
    a = np.zeros(4)
    a.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cbrng.Stream().fill(a)


@pytest.mark.parametrize(
    "call,words",
    [
        (lambda s: s.random(4, "bernoulli", p=1.5), "p"),
        (lambda s: s.random(4, "bernoulli", p=-0.1), "p"),
        (lambda s: s.random(4, "bernoulli"), "needs p"),
        (lambda s: s.random(4, "normal", np.float32, std=-1.0), "std"),
        (lambda s: s.random(4, "normal", np.float32, mean=float("nan")), "finite"),
        (lambda s: s.random(4, "normal", np.float32, mean=3e38, std=1e38), "overflows"),
        (lambda s: s.random(4, "int", high=5, low=5), "empty"),
        (lambda s: s.random(4, "int", np.uint8, high=257), "does not fit"),
        (lambda s: s.random(4, "int"), "needs high"),
        (lambda s: s.random(4, "uniform", p=0.5), "does not take p"),
        (lambda s: s.random(4, "poisson"), "bad distribution"),
        (lambda s: s.random(4, "uniform", np.uint32), "cannot produce dtype u32"),
        (lambda s: s.random(4, "bits", np.float32), "cannot produce"),
        (lambda s: s.fill(np.zeros(4, np.uint8), "normal"), "cannot produce"),
        (lambda s: s.random(4, offset=2**66 - 3), "past the end"),
        (lambda s: s.random(1, threads=0), "thread"),
    ],
)
def test_bad_parameters_are_value_errors(call, words):
    with pytest.raises(ValueError, match=words):
        call(cbrng.Stream())


def test_bad_dtype_and_stream_arguments():
    with pytest.raises(TypeError, match="unsupported dtype"):
        cbrng.Stream().random(4, dtype=np.int16)
    with pytest.raises(ValueError, match="unknown algorithm"):
        cbrng.Stream("mersenne")
    with pytest.raises(ValueError, match="too wide"):
        cbrng.Stream("philox2x32-10", seed=2**32)
    with pytest.raises(ValueError, match="out of range"):
        cbrng.Stream("philox2x32-10", stream=2**32)
    with pytest.raises(ValueError, match="key"):
        cbrng.Stream("philox4x32-10", key=[1, 2, 3])
    with pytest.raises(ValueError, match="not both"):
        cbrng.Stream(seed=1, key=[1, 0])
    with pytest.raises(OverflowError):
        cbrng.Stream().random(4, offset=-1)


def test_an_error_leaves_the_output_untouched():
    a = np.full(8, 7.0, np.float32)
    with pytest.raises(ValueError):
        cbrng.Stream().fill(a, offset=2**66 - 4)
    assert (a == 7.0).all()


def test_end_of_stream_is_reachable():
    s = cbrng.Stream("philox4x32-10", seed=2)
    n = s.length("bits", np.uint32)
    assert n == 2**66
    assert s.random(4, "bits", offset=n - 4).shape == (4,)
    assert s.length("uniform", np.float64) == 2**65
    assert cbrng.Stream("philox2x32-10").length("bits") == 2**33


def test_stream_value_semantics():
    a = cbrng.Stream("philox4x32-10", seed=42, stream=3)
    b = cbrng.Stream("philox4x32-10", key=[42, 0], stream=3)
    assert a == b and hash(a) == hash(b)
    assert a != cbrng.Stream("philox4x32-10", seed=42, stream=4)
    assert (a.algo, a.key, a.stream) == ("philox4x32-10", [42, 0], 3)
    c = pickle.loads(pickle.dumps(a))
    assert c == a and type(c) is cbrng.Stream
    assert c.random(5).tobytes() == a.random(5).tobytes()
    assert "philox4x32-10" in repr(a)


def test_threads_give_the_same_bits():
    s = cbrng.Stream("threefry4x32-20", seed=77)
    n, parts = 1 << 20, 16
    want = s.random(n, "normal", np.float32, threads=1)
    out = np.zeros(n, np.float32)
    per = n // parts

    def work(i):
        s.fill(out[i * per:(i + 1) * per], "normal", offset=i * per)

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        list(ex.map(work, range(parts)))
    assert out.tobytes() == want.tobytes()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        got = list(ex.map(lambda _: s.random(n, "normal", np.float32), range(4)))
    assert all(g.tobytes() == want.tobytes() for g in got)


def test_ctrl_c_stops_a_long_fill_within_a_second():
    # A fill of 2^28 normal float64 (2 GiB) on one thread takes seconds; a
    # SIGINT 0.1 s in must end it (KeyboardInterrupt) well within a second.
    # Only the pages written before the signal are ever touched.
    code = (
        "import numpy as np, sys, cbrng\n"
        "a = np.empty(1 << 28, np.float64)\n"
        "print('start', flush=True)\n"
        "cbrng.Stream().fill(a, 'normal', threads=1)\n"
        "print('finished', flush=True)\n"
    )
    # On a loaded machine the parent may be scheduled so late that the whole
    # fill ends before the signal is sent; such a try says nothing, so it is
    # made again (at most three tries).
    for _ in range(3):
        p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "start"
        time.sleep(0.1)
        t0 = time.monotonic()
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        elapsed = time.monotonic() - t0
        if "finished" not in out:
            break
    assert "finished" not in out, "the fill ended before the signal three times: make it longer"
    assert "KeyboardInterrupt" in err
    assert elapsed < 1.0, elapsed


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux only")
def test_gil_is_released_during_a_large_fill():
    # Another Python thread runs while a large fill is in progress.
    import threading

    s = cbrng.Stream()
    a = np.empty(1 << 26, np.float32)
    ticks = []
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    time.sleep(0.01)
    start = len(ticks)
    t0 = time.monotonic()
    s.fill(a, "normal", threads=1)
    t1 = time.monotonic()
    done.set()
    t.join()
    during = [x for x in ticks[start:] if t0 < x < t1]
    # The ticker ran during the fill (a fill holding the GIL would allow none).
    assert t1 - t0 > 0.01
    assert len(during) >= 3, (len(during), t1 - t0)


class _HostTensor:
    """A host tensor of another library, seen only through DLPack."""

    def __init__(self, a):
        self.a = a

    def __dlpack__(self, **kw):
        return self.a.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self.a.__dlpack_device__()


class _DlpackDeviceTensor:
    def __dlpack__(self, **kw):
        raise BufferError("on the GPU")

    def __dlpack_device__(self):
        return (2, 0)  # kDLCUDA


def test_fill_host_tensors_through_dlpack():
    a = np.zeros(100, np.float32)
    t = _HostTensor(a)
    assert cbrng.Stream(seed=4).fill(t, "normal") is t
    assert a.tobytes() == cbrng.Stream(seed=4).random(100, "normal").tobytes()
    a.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cbrng.Stream().fill(_HostTensor(a))


def test_dlpack_device_tensors_take_the_device_path():
    # A producer's own refusal comes back as it is...
    with pytest.raises(BufferError, match="on the GPU"):
        cbrng.Stream().fill(_DlpackDeviceTensor())

    # ...and a capsule that does not match its __dlpack_device__ is refused
    # before any launch (tests/test_device_sum.py has the reader's checks).
    class Liar(_HostTensor):
        def __dlpack__(self, **kw):
            return self.a.__dlpack__()

        def __dlpack_device__(self):
            return (2, 0)

    with pytest.raises(TypeError, match="is not its __dlpack_device__"):
        cbrng.Stream().fill(Liar(np.zeros(4, np.float32)))

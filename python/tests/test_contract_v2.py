"""Contract v2's continuous distributions through Python, named as the
program names them (parameters in the name): the same bits as `cbrng fill`."""

from __future__ import annotations

import numpy as np
import pytest

import cbrng

CASES = [
    ("exponential", "float32"),
    ("exponential:0.25", "float64"),
    ("log-normal:-1,0.5", "float32"),
    ("gumbel:2,3", "float64"),
    ("cauchy", "float32"),
    ("logistic:5,2", "float64"),
    ("laplace:-3,0.5", "float32"),
    ("uniform:-1.5,2", "float64"),
    ("normal:-2.5,3", "float16"),
]
SHORT = {"float16": "f16", "float32": "f32", "float64": "f64"}


@pytest.mark.parametrize("algo", ["philox4x32-10", "threefry2x64-20"])
@pytest.mark.parametrize("spec,dtype", CASES)
@pytest.mark.parametrize("offset", [0, 7, 2**33 + 1])
def test_v2_distributions_equal_the_program(cli, algo, spec, dtype, offset):
    s = cbrng.Stream(algo, seed=11, stream=4)
    got = s.random((33,), spec, dtype=dtype, offset=offset)
    raw = cli("fill", "--algo", algo, "--seed", 11, "--stream", 4, "--offset", offset,
              "--count", 33, "--dist", spec, "--dtype", SHORT[dtype], "--format", "raw")
    assert got.dtype == np.dtype(dtype)
    assert got.tobytes() == raw


def test_v2_errors_are_value_errors():
    s = cbrng.Stream()
    with pytest.raises(ValueError, match="exponential"):
        s.random((3,), "exponential:-1", dtype="float32")
    with pytest.raises(ValueError, match="keyword parameters"):
        s.random((3,), "exponential", dtype="float32", mean=1.0)
    with pytest.raises(ValueError, match="bad distribution"):
        s.random((3,), "zipf")

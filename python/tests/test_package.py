"""The package as a user sees it: the example runs, the stubs and py.typed
ship, docstrings are there, and the contract version is the crate's."""

from __future__ import annotations

import inspect
import pathlib
import subprocess
import sys

import cbrng

HERE = pathlib.Path(__file__).resolve().parent


def test_example_replays_step_1000():
    r = subprocess.run([sys.executable, str(HERE.parent / "examples" / "reproducible_training.py")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "step 1000 replayed alone" in r.stdout


def test_stubs_and_marker_are_installed():
    pkg = pathlib.Path(cbrng.__file__).parent
    assert (pkg / "py.typed").exists()
    stub = (pkg / "_cbrng.pyi").read_text()
    for name in ("class Stream", "def fill", "class SumState", "class DropoutKeys", "def algorithms"):
        assert name in stub


def test_public_names_have_docstrings():
    for name in cbrng.__all__:
        obj = getattr(cbrng, name)
        if callable(obj) or inspect.ismodule(obj):
            assert (obj.__doc__ or "").strip(), name
    for meth in ("fill", "random", "length"):
        assert getattr(cbrng.Stream, meth).__doc__, meth
    assert cbrng.CONTRACT_VERSION == 3


def test_readme_python_example_runs():
    import re

    readme = (HERE.parents[1] / "README.md").read_text()
    block = re.search(r"## Python.*?```python\n(.*?)```", readme, re.S)
    assert block, "README has no Python example"
    exec(compile(block.group(1), "README.md", "exec"), {})

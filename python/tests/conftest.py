"""Shared helpers: the Rust program `cbrng` (the reference the bindings must
match bit for bit), built from this checkout (cargo build: a no-op when it is up to date)."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _cli_path() -> pathlib.Path:
    env = os.environ.get("CBRNG_BIN")
    if env:
        return pathlib.Path(env)
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    # Always (a no-op when up to date): a stale program would be a false reference.
    subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--bin", "cbrng"], cwd=ROOT, check=True
    )
    return target / "release" / "cbrng"


@pytest.fixture(scope="session")
def cli():
    """cli(*args) -> stdout bytes of `cbrng ARGS` (raised on failure)."""
    path = _cli_path()

    def run(*args: object) -> bytes:
        r = subprocess.run([str(path), *map(str, args)], capture_output=True)
        if r.returncode != 0:
            raise AssertionError(f"cbrng {' '.join(map(str, args))}: {r.stderr.decode()}")
        return r.stdout

    return run

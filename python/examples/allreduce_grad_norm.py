"""A gradient norm across ranks that has the same bits for any rank count.

Each rank holds a shard of a gradient (here made by cbrng: the shard of rank
``r`` is elements ``[start_r, end_r)`` of one stream, made on its own) and
needs the global L2 norm, e.g. for gradient clipping. The usual way, an
all-reduce of each rank's float partial sum of squares, gives bits that
depend on the number of ranks, the split and the collective's order. Here
each rank adds its squares to an exact :class:`cbrng.SumState`, and the
all-reduce sums the states' int64 limb forms (``SumState.to_limbs()``):
integer addition is exact and associative, so every rank gets the same
merged state, whatever the rank count, the split or the reduction order,
and rounds it to the same bits.

With PyTorch installed, every rank count runs as that many local processes
(``torch.multiprocessing.spawn``) with ``torch.distributed`` on the gloo
backend on CPU::

    torch.distributed.all_reduce(torch.from_numpy(state.to_limbs()), op=SUM)

Without PyTorch (or with ``--numpy``), the ranks are simulated in one process
with NumPy: each simulated rank sums the limb arrays in its own ring order.

    python python/examples/allreduce_grad_norm.py [--ranks 1 2 3 4] [--numpy]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np

import cbrng

SEED = 7
N = 1 << 20  # gradient elements
LAYERS = 8  # each layer's gradient has its own scale: a wide dynamic range


def shard_bounds(ranks: int, rank: int) -> tuple:
    """Elements [start, end) of the gradient that ``rank`` holds (uneven)."""
    cuts = np.linspace(0, N, ranks + 1).astype(np.int64)
    cuts[1:-1] += 12345 % max(1, N // (4 * ranks))  # shards of different sizes
    return int(cuts[rank]), int(cuts[rank + 1])


def gradient(start: int, end: int) -> np.ndarray:
    """Elements [start, end) of the gradient, float32: normal draws of one
    stream, scaled by a power of two per layer (exact)."""
    g = cbrng.Stream(seed=SEED).random(end - start, "normal", np.float32, offset=start)
    layer = np.arange(start, end) * LAYERS // N
    return g * np.exp2(-12.0 + 4.0 * layer).astype(np.float32)


def local_state(ranks: int, rank: int):
    """(exact state of this shard's squares, float32 partial sum of squares)."""
    g = gradient(*shard_bounds(ranks, rank))
    sq = np.square(g.astype(np.float64))  # exact: 24-bit mantissas square into 53
    return cbrng.SumState().add(sq), np.float32(np.sum(np.square(g)))


def finish(state: "cbrng.SumState") -> np.float64:
    """The norm: square root of the exact sum of squares rounded once to float64."""
    return np.sqrt(state.result(np.float64))


def bits(x) -> str:
    return "0x" + np.asarray(x).tobytes()[::-1].hex()


# --- torch.distributed (gloo, CPU) --------------------------------------------


def _torch_rank(rank: int, ranks: int, init: str, out_dir: str) -> None:
    import torch
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=ranks)
    try:
        state, partial = local_state(ranks, rank)
        limbs = torch.from_numpy(state.to_limbs())
        dist.all_reduce(limbs, op=dist.ReduceOp.SUM)  # exact: int64 addition
        norm = finish(cbrng.SumState.from_limb_sum(limbs.numpy()))
        naive = torch.tensor([partial], dtype=torch.float32)
        dist.all_reduce(naive, op=dist.ReduceOp.SUM)  # float: order-dependent
        naive_norm = np.sqrt(naive.numpy()[0])
        print(f"  {ranks} ranks, rank {rank}: exact norm {float(norm)!r} {bits(norm)}"
              f"   float all-reduce {float(naive_norm)!r} {bits(naive_norm)}", flush=True)
        with open(os.path.join(out_dir, f"{ranks}-{rank}"), "w") as f:
            f.write(f"{bits(norm)} {bits(naive_norm)}")
    finally:
        dist.destroy_process_group()


def run_torch(rank_counts) -> dict:
    import torch.multiprocessing as mp

    results = {}
    with tempfile.TemporaryDirectory() as out_dir:
        for ranks in rank_counts:
            init = "file://" + os.path.join(out_dir, f"init-{ranks}")
            mp.spawn(_torch_rank, args=(ranks, init, out_dir), nprocs=ranks, join=True)
            results[ranks] = []
            for r in range(ranks):
                with open(os.path.join(out_dir, f"{ranks}-{r}")) as f:
                    results[ranks].append(tuple(f.read().split()))
    return results


# --- NumPy simulation -----------------------------------------------------------


def run_numpy(rank_counts) -> dict:
    results = {}
    for ranks in rank_counts:
        local = [local_state(ranks, r) for r in range(ranks)]
        limbs = np.stack([s.to_limbs() for s, _ in local])
        partials = [p for _, p in local]
        results[ranks] = []
        for r in range(ranks):
            # What a ring all-reduce does on rank r: its own order of additions.
            order = [(r + k) % ranks for k in range(ranks)]
            total = np.zeros(cbrng.LIMBS, np.int64)
            naive = np.float32(0)
            for k in order:
                total += limbs[k]
                naive = np.float32(naive + partials[k])
            norm = finish(cbrng.SumState.from_limb_sum(total))
            naive_norm = np.sqrt(naive)
            print(f"  {ranks} ranks, rank {r}: exact norm {float(norm)!r} {bits(norm)}"
                  f"   float all-reduce {float(naive_norm)!r} {bits(naive_norm)}")
            results[ranks].append((bits(norm), bits(naive_norm)))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ranks", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--numpy", action="store_true", help="simulate the ranks even if torch is installed")
    args = ap.parse_args()
    try:
        if args.numpy:
            raise ImportError
        import torch.distributed  # noqa: F401

        how = "torch.distributed, gloo backend on CPU, one process per rank"
        results = run_torch(args.ranks)
    except ImportError:
        why = "--numpy" if args.numpy else "torch is not installed"
        how = f"simulated with NumPy ({why}): each rank sums the limbs in its own ring order"
        results = run_numpy(args.ranks)
    print(how)

    # The reference: the exact sum of squares of the whole gradient at once.
    g = gradient(0, N)
    want = bits(np.sqrt(cbrng.exact_sum_squares(g, np.float64)))
    exact = {e for rows in results.values() for e, _ in rows}
    naive = {n for rows in results.values() for _, n in rows}
    counts = ", ".join(map(str, args.ranks))
    if exact != {want}:
        print(f"MISMATCH: exact norms {sorted(exact)}, expected {want}")
        return 1
    print(f"exact all-reduce: norm {want}, identical on every rank for {counts} ranks"
          " and equal to the exact norm of the whole gradient")
    print(f"float all-reduce: {len(naive)} different result(s) across the same runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reproducible training with cbrng: seeded initialisation and dropout, and
step 1000 replayed on its own.

A two-layer network is trained for 1000 steps on synthetic data with NumPy.
Everything random comes from cbrng streams named by what they are for:

* the initial weights of layer ``l``: ``Stream(seed=SEED, stream=l)``;
* the batch of step ``t``: elements ``[t * B, (t + 1) * B)`` of one stream
  (any slice of a stream can be made on its own);
* the dropout mask of layer ``l`` at step ``t``: ``DropoutKeys(SEED)``'s
  stream for (t, l), regenerated in the backward pass instead of stored.

Then step 1000 is recomputed alone, from the checkpoint of step 999's
weights: its batch and its dropout mask come out the same without replaying
steps 0..999, so its gradient is bit for bit the one of the full run. The
same masks come from ``cbrng::dropout::DropoutKeys`` in Rust, on the CPU or
the GPU (the Python package fills NumPy arrays; device tensors are the Rust
crate's ``cbrng::cuda`` for now).

    python python/examples/reproducible_training.py
"""

from __future__ import annotations

import numpy as np

import cbrng

SEED = 2024
D_IN, D_HID, B, P_DROP, LR = 32, 64, 128, 0.2, 0.05
STEPS = 1000
KEYS = cbrng.DropoutKeys(SEED)
DATA = cbrng.Stream(seed=SEED, stream=1_000_000)  # inputs
TRUE_W = cbrng.Stream(seed=SEED, stream=1_000_001).random(D_IN, "normal", np.float32)


def init_weights():
    w1 = cbrng.Stream(seed=SEED, stream=0).random((D_IN, D_HID), "normal", np.float32, std=D_IN**-0.5)
    w2 = cbrng.Stream(seed=SEED, stream=1).random((D_HID,), "normal", np.float32, std=D_HID**-0.5)
    return w1, w2


def batch(step: int):
    x = DATA.random((B, D_IN), "normal", np.float32, offset=step * B * D_IN)
    y = np.tanh(x @ TRUE_W)
    return x, y


def train_step(step: int, w1: np.ndarray, w2: np.ndarray):
    """One SGD step; returns the new weights, the loss and the gradient of w1."""
    x, y = batch(step)
    h = np.maximum(x @ w1, 0)
    hd, mask = cbrng.dropout(h, P_DROP, key=KEYS, step=step, layer=0)
    pred = hd @ w2
    err = pred - y
    loss = float(cbrng.exact_mean(err * err))  # the same bits on any thread count
    g_pred = (2.0 / B) * err
    g_w2 = hd.T @ g_pred
    g_hd = np.outer(g_pred, w2).astype(np.float32)
    # Backward: the mask is regenerated from (key, step, layer), not stored.
    g_h = cbrng.dropout_backward(g_hd, P_DROP, key=KEYS, step=step, layer=0)
    g_h *= h > 0
    g_w1 = x.T @ g_h
    return w1 - LR * g_w1, w2 - LR * g_w2, loss, g_w1, mask


def main() -> None:
    w1, w2 = init_weights()
    checkpoint = None
    for step in range(STEPS + 1):
        if step == STEPS:
            checkpoint = (w1.copy(), w2.copy())
        w1, w2, loss, g_w1, mask = train_step(step, w1, w2)
        if step % 250 == 0:
            print(f"step {step:4d}  loss {loss:.5f}  kept {mask.mean():.3f}")
    full = (w1, w2, g_w1, mask)

    # Replay step 1000 alone from the checkpoint taken before it.
    rw1, rw2, rloss, rg_w1, rmask = train_step(STEPS, *checkpoint)
    assert (rmask == full[3]).all(), "dropout mask differs"
    assert rg_w1.tobytes() == full[2].tobytes(), "gradient differs"
    assert rw1.tobytes() == full[0].tobytes() and rw2.tobytes() == full[1].tobytes()
    print(f"step {STEPS} replayed alone: same batch, same dropout mask, same gradient "
          f"(sum {cbrng.exact_sum(rg_w1, np.float64)!r}), same weights")

    # The weights' checksum does not depend on threads or order.
    s = cbrng.SumState()
    for part in np.array_split(w1.ravel(), 7)[::-1]:
        s.add(part)
    assert s.result(np.float32) == cbrng.exact_sum(w1)
    print(f"exact sum of w1: {s.result()!r}")


if __name__ == "__main__":
    main()

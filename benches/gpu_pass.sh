#!/usr/bin/env bash
# One pass over every GPU path, for the GPU machine: run it there after
# benches/gpu_pack.sh has built what it runs into .gpu/ on the CPU machine:
#
#   benches/gpu_pack.sh --features nccl
#   device run: command "bash benches/gpu_pass.sh", carry [".gpu"]
#
# Each step has its own time limit and writes its output to
# gpu-pass-logs/<step>.log (cut to 4 MiB); every step adds one line to
# $OUT/summary.txt and refreshes $OUT/logs.tar.gz (all the logs so far), even
# when it fails or times out, so nothing is lost if the whole command is cut
# off, and $OUT holds three files (the device tool brings back at most 8, of
# 16 MiB each): machine.txt, summary.txt, logs.tar.gz.
# The limits add up to 590 s (about 9.8 minutes), under the 600 s a device
# command may run. The CPU suites are CI's (they run on every commit without a GPU).
# Steps, in order: the GPU test suites with CBRNG_REQUIRE_GPU=1, first with
# CUDA_LAUNCH_BLOCKING=1 and one test thread; the same suites' small cases
# under compute-sanitizer memcheck, racecheck and synccheck; the compat
# kernels (tests/gpu_compat.rs, tests/compat_engine_cli.rs); JAX's normal on
# the GPU against `cbrng compat jax --backend gpu`; the Python package's GPU
# tests; `cbrng verify
# --long` with its GPU half; the user-kernel and dropout examples; `cbrng
# bench --device cuda`.
#
# `bash benches/gpu_pass.sh --dry-run` runs nothing: it counts every step
# (as if every tool were there), prints the sum of their limits and fails
# past 590 s (tests/device_pass.rs runs it in CI).
set -u
cd "$(dirname "$0")/.."
dry=0
[ "${1:-}" = --dry-run ] && dry=1
limits=0
OUT="${OUT:-gpu-pass-out}"
logs=gpu-pass-logs
if [ $dry = 1 ]; then
  OUT=$(mktemp -d)
  logs=$OUT/logs
  trap 'rm -rf "$OUT"' EXIT
fi
rm -rf "$logs"
mkdir -p "$OUT" "$logs"
export LD_LIBRARY_PATH="/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CBRNG_REQUIRE_GPU=1 RUST_BACKTRACE=1
bin=.gpu/bin
summary="$OUT/summary.txt"
: > "$summary"
pass_start=$(date +%s)

# The logs so far into $OUT/logs.tar.gz (written aside, then renamed, so a
# cut-off leaves the last whole archive).
bundle() {
  tar -czf "$OUT/logs.tar.gz.part" -C "$logs" . 2>/dev/null && mv -f "$OUT/logs.tar.gz.part" "$OUT/logs.tar.gz"
}

# step NAME SECONDS COMMAND...: runs COMMAND with a time limit, output to
# $logs/NAME.log, one summary line, the logs bundled.
step() {
  local name=$1 limit=$2
  shift 2
  limits=$((limits + limit))
  [ $dry = 1 ] && { echo "$name $limit"; return 0; }
  local t0 rc
  t0=$(date +%s)
  timeout -k 5 "$limit" "$@" > "$logs/$name.log" 2>&1
  rc=$?
  truncate -s '<4M' "$logs/$name.log" 2>/dev/null || true
  local verdict=ok
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && verdict="TIMED OUT after ${limit}s"
  [ $rc -ne 0 ] && [ "$verdict" = ok ] && verdict="FAILED (exit $rc)"
  printf '%-28s %-26s %4ss  (total %ss)\n' "$name" "$verdict" "$(( $(date +%s) - t0 ))" \
    "$(( $(date +%s) - pass_start ))" | tee -a "$summary"
  bundle
}

have() {
  [ $dry = 1 ] || [ -x "$1" ] || { echo "$(basename "$1"): not packed" | tee -a "$summary"; return 1; }
}
# A tool or library the pass needs is there (always, in a dry run).
there() { [ $dry = 1 ] || "$@" >/dev/null 2>&1; }

if [ $dry = 0 ]; then
  { nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader
    ls /usr/local/cuda/lib64/libnvrtc.so* 2>/dev/null; } > "$OUT/machine.txt" 2>&1
  cat "$OUT/machine.txt"
fi
have "$bin/bin-cbrng" && step info 5 "$bin/bin-cbrng" info

gpu_suites=(gpu_fill gpu_dropout gpu_reduce)
# 1. Every launch waited for, one thread: a fault names its kernel.
for t in "${gpu_suites[@]}"; do
  have "$bin/test-$t" && step "$t-blocking" 50 env CUDA_LAUNCH_BLOCKING=1 "$bin/test-$t" --test-threads=1
done
# The exact all-reduce's limb kernels (and NCCL, when packed with
# --features nccl and the machine has libnccl).
have "$bin/test-gpu_shuffle" && step gpu_shuffle-blocking 20 env CUDA_LAUNCH_BLOCKING=1 \
  "$bin/test-gpu_shuffle" --test-threads=1
have "$bin/test-gpu_allreduce" && step gpu_allreduce-blocking 20 env CUDA_LAUNCH_BLOCKING=1 \
  "$bin/test-gpu_allreduce" --test-threads=1
# 2. The sanitizers, on the small cases (the large ones are skipped: the
# tools are slow).
if there command -v compute-sanitizer; then
  for tool in memcheck racecheck synccheck; do
    for t in "${gpu_suites[@]}"; do
      have "$bin/test-$t" && step "$tool-$t" 15 compute-sanitizer --tool "$tool" \
        --error-exitcode 9 "$bin/test-$t" --test-threads=1 \
        --skip hundred --skip ten_million --skip adversarial
    done
  done
else
  echo "compute-sanitizer: not on PATH" | tee -a "$summary"
fi
# 2b. The compat kernels (issue 12): bit for bit against the CPU where the
# device code is IEEE arithmetic, the Box-Muller draws measured; then the
# program's --engine cuda against --engine cpu.
have "$bin/test-gpu_compat" && step gpu_compat-blocking 40 env CUDA_LAUNCH_BLOCKING=1 \
  "$bin/test-gpu_compat" --test-threads=1 --nocapture
have "$bin/test-compat_engine_cli" && step compat-engine-cli 20 "$bin/test-compat_engine_cli"
# 2c. JAX on this GPU against `cbrng compat jax --backend gpu` (XLA:GPU's
# lowering of normal as src/compat/jax.rs establishes it), on the CPU and
# on the device (`--engine cuda`: every draw must be JAX's); XLA's HLO and
# PTX of the normal modules are dumped to $logs/jax_xla_dump for the record.
if there python3 -c 'import jax, numpy'; then
  have "$bin/bin-cbrng" && step jax-gpu-normal 45 python3 benches/jax_gpu_normal.py \
    "$bin/bin-cbrng" "$logs/jax_xla_dump"
else
  echo "jax-gpu-normal: python3 cannot import jax and numpy; not run" | tee -a "$summary"
fi
# 2d. The Python package's GPU paths (python/tests/test_device*.py and
# test_compat_device.py: fills, dropout, exact sums and the compat out= into
# PyTorch or CuPy CUDA arrays) from the wheels benches/gpu_pack.sh packed,
# installed aside, against the packed program.
if there ls .gpu/wheels/cbrng-*.whl && there python3 -c 'import numpy'; then
  step python-gpu 50 bash -c 'python3 -m pip install --quiet --no-deps --no-index \
      --target /tmp/cbrng-py .gpu/wheels/*.whl &&
    CBRNG_BIN="$PWD/.gpu/bin/bin-cbrng" PYTHONPATH=/tmp/cbrng-py python3 -m pytest -q -rs \
      -p no:cacheprovider python/tests/test_device.py python/tests/test_device_sum.py \
      python/tests/test_compat_device.py'
else
  echo "python-gpu: no packed wheel, or python3 cannot import numpy; not run" | tee -a "$summary"
fi
# 3. The program and the examples.
have "$bin/bin-cbrng" && step verify-long 35 "$bin/bin-cbrng" verify --long
have "$bin/bin-user_kernel" && step example-user_kernel 15 "$bin/bin-user_kernel"
have "$bin/bin-dropout" && step example-dropout 15 "$bin/bin-dropout"
have "$bin/bin-cbrng" && step bench 40 "$bin/bin-cbrng" bench --device cuda --mib 1024 --runs 20
if [ $dry = 1 ]; then
  echo "limits: $limits s"
  [ $limits -le 590 ] && exit 0 || exit 1
fi
echo "=== pass done in $(( $(date +%s) - pass_start ))s; summary in $summary"
grep -qE 'FAILED|TIMED OUT|not packed' "$summary" && exit 1 || exit 0

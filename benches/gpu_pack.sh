#!/usr/bin/env bash
# Builds on the CPU machine what benches/gpu_pass.sh runs on the GPU machine,
# into .gpu/bin, within what the device tool carries (the working tree and
# the carried paths together under 64 MiB):
#
#   benches/gpu_pack.sh --features nccl
#   device run: command "bash benches/gpu_pass.sh", carry [".gpu"]
#
# ../shared/gpu/pack builds every test, bench and program (about 105 MiB,
# stripped); the pass runs ten of them. This adds the two examples the pass
# runs as programs (pack builds examples only as test harnesses), keeps what
# the pass names ($bin/... and its gpu_suites) and removes the rest, adds the
# Python package's wheel and pytest's (.gpu/wheels), then checks that nothing
# the pass names is missing and that the tree fits.
# Extra arguments go to cargo (pack's and the examples' builds alike).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
pack=../shared/gpu/pack
[ -x "$pack" ] || { echo "gpu_pack: $pack not found (the shared tools sit beside the checkout)" >&2; exit 1; }
"$pack" "$@" > /dev/null
# The examples, as programs.
cargo build --release --examples --message-format=json "$@" 2>/dev/null | python3 -c '
import json, shutil, sys
want = {"user_kernel", "dropout"}
for line in sys.stdin:
    try: m = json.loads(line)
    except ValueError: continue
    exe = m.get("executable")
    if m.get("reason") == "compiler-artifact" and exe and m["target"]["kind"] == ["example"] \
            and m["target"]["name"] in want:
        shutil.copy(exe, ".gpu/bin/bin-" + m["target"]["name"])
'
strip .gpu/bin/bin-user_kernel .gpu/bin/bin-dropout 2>/dev/null || true
# What the pass runs.
pass=benches/gpu_pass.sh
# ($bin/test-$t names the suites: its stem ends in '-')
keep=$(grep -o '\$bin/[A-Za-z0-9_-]*' "$pass" | sed 's|^\$bin/||' | grep -v -- '-$' | sort -u)
for s in $(sed -n 's/^gpu_suites=(\(.*\))$/\1/p' "$pass"); do keep="$keep test-$s"; done
for f in .gpu/bin/*; do
  name=$(basename "$f")
  case " $(echo $keep) " in *" $name "*) ;; *) rm -f "$f" ;; esac
done
missing=0
for name in $keep; do
  [ -x ".gpu/bin/$name" ] || { echo "gpu_pack: $name (named by $pass) was not built" >&2; missing=1; }
done
[ $missing = 0 ] || exit 1
# The Python package as a wheel (PyO3 abi3: any CPython >= 3.9 there), and
# pytest's, for the pass's python-gpu step (the GPU machine reaches no index).
rm -rf .gpu/wheels && mkdir -p .gpu/wheels
python3 -m pip wheel --quiet --disable-pip-version-check --no-deps -w .gpu/wheels ./python
# Pure-Python wheels only (any CPython there); pip evaluates the dependency
# markers for this interpreter, so what Python 3.10 also needs is named.
python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
  --platform any --implementation py --abi none --python-version 3.10 \
  -d .gpu/wheels pytest exceptiongroup tomli typing_extensions
ls .gpu/wheels/cbrng-*.whl > /dev/null
# pack's run.sh runs every test-* left: the pass's suites.
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb 2>/dev/null | tail -1 | cut -f1)
gpu=$(du -sb .gpu | cut -f1)
total=$(( tree + ${untracked:-0} + gpu ))
echo "packed into .gpu/: $(echo $keep | wc -w) executables and $(ls .gpu/wheels | wc -l) wheels, $((gpu >> 20)) MiB; with the working tree $((total >> 20)) MiB of the 64 the device tool carries"
ls .gpu/bin .gpu/wheels
if [ $total -ge $((62 << 20)) ]; then
  echo "gpu_pack: $((total >> 20)) MiB is too close to the device tool's 64 MiB" >&2
  exit 1
fi
echo 'next: device run with command "bash benches/gpu_pass.sh" and carry [".gpu"]'

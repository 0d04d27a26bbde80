#!/usr/bin/env python3
"""Writes libdevice_ref.txt: __nv_log1pf and __nv_log1p of CUDA 12.9's
libdevice (the bitcode XLA:GPU links into the kernels of jax.random.normal),
compiled for x86-64 and run here, for tests/compat_libdevice.rs.

Needs: pip (downloads the PyPI wheel nvidia-cuda-nvcc-cu12==12.9.86, which
ships nvvm/libdevice/libdevice.10.bc), llvm-dis and llc (Debian's `llvm`,
checked with LLVM 14), gcc. Nothing downloaded is kept.

How: llvm-dis prints the bitcode; the two functions are cut out and their
NVVM intrinsics renamed: llvm.nvvm.fma.rn.{f,d} -> llvm.fma.{f32,f64} (the
same single rounding), the others -> h_* helpers in libdevice_ref.c
(add.rz.f32 under fesetround(FE_TOWARDZERO); the bit moves d2i.hi/lo,
lohi.i2d; __nvvm_reflect answering 0 as XLA's default xla_gpu_ftz=false
makes it; rcp.approx.ftz.f64 by cbrng's model, see
src/compat/libdevice.rs). llc compiles that IR for x86-64 with LLVM's
default -fp-contract (no fmul/fadd fusion, as on the GPU, where XLA's NVPTX
backend emits mul.rn/add.rn), and libdevice_ref.c prints values and digests.

Run: python3 tests/data/compat/jax/gen_libdevice_ref.py
"""
import os
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
WHEEL = "nvidia-cuda-nvcc-cu12==12.9.86"
FUNCS = ["__nv_log1pf", "__nv_log1p"]
RENAME = [
    ("@llvm.nvvm.fma.rn.ftz.f(", "@h_fma_ftz_f("),
    ("@llvm.nvvm.fma.rn.f(", "@llvm.fma.f32("),
    ("@llvm.nvvm.fma.rn.d(", "@llvm.fma.f64("),
    ("@llvm.nvvm.add.rz.ftz.f(", "@h_add_rz_ftz_f("),
    ("@llvm.nvvm.add.rz.f(", "@h_add_rz_f("),
    ("@llvm.nvvm.d2i.hi(", "@h_d2i_hi("),
    ("@llvm.nvvm.d2i.lo(", "@h_d2i_lo("),
    ("@llvm.nvvm.lohi.i2d(", "@h_lohi_i2d("),
    ("@llvm.nvvm.rcp.approx.ftz.d(", "@h_rcp_approx_ftz_d("),
    ("@__nvvm_reflect(", "@h_reflect("),
]
DECLS = """
declare float @llvm.fma.f32(float, float, float)
declare double @llvm.fma.f64(double, double, double)
declare float @h_fma_ftz_f(float, float, float)
declare float @h_add_rz_f(float, float)
declare float @h_add_rz_ftz_f(float, float)
declare i32 @h_d2i_hi(double)
declare i32 @h_d2i_lo(double)
declare double @h_lohi_i2d(i32, i32)
declare double @h_rcp_approx_ftz_d(double)
declare i32 @h_reflect(i8*)
"""


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def main():
    with tempfile.TemporaryDirectory() as t:
        run(sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", t)
        whl = [f for f in os.listdir(t) if f.endswith(".whl")][0]
        with zipfile.ZipFile(os.path.join(t, whl)) as z:
            name = [n for n in z.namelist() if n.endswith("libdevice.10.bc")][0]
            bc = os.path.join(t, "libdevice.10.bc")
            open(bc, "wb").write(z.read(name))
        ll = os.path.join(t, "libdevice.ll")
        run("llvm-dis", bc, "-o", ll)
        text = open(ll).read()
        out = ['target triple = "x86_64-unknown-linux-gnu"']
        out += re.findall(r"^@\.str(?:\.\d+)? = .*$", text, re.M)
        for f in FUNCS:
            m = re.search(r"^define [^\n]*@%s\(.*?^}\n" % re.escape(f), text, re.M | re.S)
            body = m.group(0)
            for a, b in RENAME:
                body = body.replace(a, b)
            body = re.sub(r" #\d+", "", body)
            out.append(body)
        out.append(DECLS)
        host = os.path.join(t, "host.ll")
        open(host, "w").write("\n".join(out))
        obj = os.path.join(t, "host.o")
        run("llc", "-O2", "-relocation-model=pic", "-filetype=obj", host, "-o", obj)
        exe = os.path.join(t, "ref")
        run("gcc", "-O2", "-ffp-contract=off", "-frounding-math",
            os.path.join(HERE, "libdevice_ref.c"), obj, "-lm", "-o", exe)
        res = run(exe, capture_output=True, text=True).stdout
        llc = run("llc", "--version", capture_output=True, text=True).stdout
        llc = re.search(r"LLVM version \S+", llc).group(0)
    with open(os.path.join(HERE, "libdevice_ref.txt"), "w") as f:
        f.write(
            "# __nv_log1pf / __nv_log1p of libdevice.10.bc (%s), compiled for\n"
            "# x86-64 by llc (%s) and run; made by gen_libdevice_ref.py.\n"
            "# Lines: 'log1pf IN OUT' (f32 bits), 'log1p IN OUT' (f64 bits),\n"
            "# 'digest FN COUNT FNV1A64' over the outputs (NaN as the quiet NaN\n"
            "# 7fc00000 / 7ff8000000000000, each value's bytes little-endian) of\n"
            "# the input sets libdevice_ref.c's main() walks.\n" % (WHEEL, llc)
        )
        f.write(res)


if __name__ == "__main__":
    main()

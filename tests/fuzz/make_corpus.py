#!/usr/bin/env python3
"""Writes the fuzz seed corpus, tests/fuzz/corpus/{state,npy,kat,cli}/, with
every reproducer of issue 18. Run from the repository root:
    python3 tests/fuzz/make_corpus.py
Inputs that a fuzz run finds worth keeping can be added by hand as more files.
"""
import os, struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MAX_TERMS = 1 << 63
DEVICE_WORDS = 136 + 2

def put(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("latin1"))

def state(count, digits=(), lo=0, flags=8, sign=0):
    b = b"CBRNGACC" + struct.pack("<HBBQHH", 1, flags if count else 0, sign, count, lo if digits else 0, len(digits))
    return b + b"".join(struct.pack("<I", d) for d in digits)

def device(count, flags, digits):
    w = [0] * DEVICE_WORDS
    for k, v in digits.items():
        w[k] = v & (2**64 - 1)
    w[-2], w[-1] = count, flags
    return b"".join(struct.pack("<Q", x) for x in w)

def pair(a, b):
    return b"\x02" + struct.pack("<H", len(a)) + a + b

# Exact-sum states: mode 0 bytes, 1 device words, 2 a pair to merge.
put("state", "00-empty", b"\x00" + state(0))
put("state", "01-one", b"\x00" + state(1, [1], lo=68))
put("state", "02-negative", b"\x00" + state(3, [5, 7], lo=60, sign=1))
put("state", "03-special-flags", b"\x00" + state(3, [1], lo=68, flags=15))
put("state", "10-repro-u64max-count-full-digits", b"\x00" + state(2**64 - 1, [0xffffffff] * 134))
put("state", "11-repro-twice-the-bound", b"\x00" + state(1, [1], lo=132))
put("state", "12-largest-allowed", b"\x00" + state(MAX_TERMS, [0xffffffff] * 133 + [0x7fffffff]))
put("state", "20-device-three", b"\x01" + device(2, 8, {68: 3}))
put("state", "21-repro-device-count0-value", b"\x01" + device(0, 0, {68: 3}))
put("state", "22-device-signed-digits", b"\x01" + device(5, 8, {68: 3, 69: -1, 70: 1}))
put("state", "30-merge-small", pair(state(2, [3], lo=68), state(1, [9], lo=40, sign=1)))
put("state", "31-repro-count-2-pow-62-doubling", pair(state(MAX_TERMS // 2, [1], lo=68), state(MAX_TERMS // 2, [1], lo=68)))
put("state", "32-repro-max-merged-with-itself", pair(state(MAX_TERMS, [0xffffffff] * 133 + [0x7fffffff]),
                                                    state(MAX_TERMS, [0xffffffff] * 133 + [0x7fffffff])))

# .npy files (header and a little data).
def npy(header, major=1, minor=0, data=b"\0" * 16):
    h = header.encode("latin1")
    ln = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, minor]) + ln + h + data
B = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
put("npy", "00-v1", npy(B + " " * 5 + "\n"))
put("npy", "01-v2", npy(B + "\n", 2))
put("npy", "02-v3", npy(B + "\n", 3))
put("npy", "03-double-quotes-2d", npy('{"descr": ">f8", "fortran_order": True, "shape": (2, 1)}\n', data=b"\0" * 16))
put("npy", "04-scalar-long", npy("{'descr': '<f2', 'fortran_order': False, 'shape': (1L, 1L), }\n"))
put("npy", "10-repro-duplicate-descr", npy("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"))
put("npy", "11-repro-plus-shape", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (+4,), }\n"))
put("npy", "12-repro-double-comma", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,,), }\n"))
put("npy", "13-repro-comma-only", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (,), }\n"))
put("npy", "14-repro-no-fortran-order", npy("{'descr': '<f4', 'shape': (4,), }\n"))
put("npy", "15-repro-fortran-order-int", npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }\n"))
put("npy", "16-repro-minor-version", npy(B + "\n", 1, 1))
put("npy", "17-repro-trailing-text", npy(B + " trailing\n"))
put("npy", "18-repro-raw-bytes", npy(B + "\x1b[31m\r\xff\n"))
put("npy", "19-unknown-key", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}\n"))

# Known-answer files.
GOOD = "philox2x32 7 00000000 00000000 00000000   257a3673 cd26be2a\n"
put("kat", "00-good", "# comment\n\n" + GOOD + "threefry4x64 13 0 0 0 0 0 0 0 0 4071fabee1dc8e05 02ed3113695c9c62 397311b5b89f9d49 e21292c3258024bc\n")
put("kat", "01-skipped-and-good", "ars4x32 7 0 0 0 0 0 0 0 0 0 0 0 0\n" + GOOD)
put("kat", "10-repro-passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n")
put("kat", "11-repro-capitalised", GOOD.replace("philox", "Philox"))
put("kat", "12-repro-misspelled", GOOD.replace("philox", "phillox"))
put("kat", "13-repro-plus-word", GOOD.replace("cd26be2a", "+5"))
put("kat", "14-repro-wide-word", GOOD.replace("00000000   ", "100000000   "))
put("kat", "15-repro-comments-only", "# nothing\n\n")

# Command lines, one argument a line.
def cli(name, *args):
    put("cli", name, "\n".join(args))
F = ("fill", "--device", "cpu", "--algo", "philox4x32-10", "--count", "3")
cli("00-fill", *F)
cli("01-fill-normal", *F, "--dist", "normal", "--mean", "-1.5", "--std", "2e-3", "--dtype", "f64")
cli("02-fill-key", "fill", "--algo", "threefry4x64-20", "--key", "0x1,2,3,4", "--count", "1", "--dist", "int:0..18446744073709551616", "--dtype", "u64")
cli("03-kat", "kat", "file")
cli("10-repro-offset-past-2-pow-64", "fill", "--algo", "philox4x32-10", "--seed", "1", "--offset", "18446744073709551000", "--count", "2000000")
cli("11-repro-std-overflow", *F, "--dist", "normal", "--std", "3e38")
cli("12-repro-nan-behind-override", *F, "--dist", "normal:NaN,1", "--mean", "0")
cli("13-repro-double-0x", *F, "--key", "0x0x5,0")
cli("14-repro-plus-rounds", "fill", "--algo", "philox4x32-+10", "--count", "1")
cli("15-repro-leading-zero-rounds", "fill", "--algo", "philox4x32-010", "--count", "1")
cli("16-repro-plus-count", "fill", "--algo", "philox4x32-10", "--count", "+5")
cli("17-end-of-stream", "fill", "--algo", "philox2x32-10", "--offset", "8589934591", "--count", "2")
print("corpus written to", ROOT)

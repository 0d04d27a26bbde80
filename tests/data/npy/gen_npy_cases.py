#!/usr/bin/env python3
"""Writes tests/data/npy/cases.txt: .npy headers and what real NumPy's np.load
makes of each (tests/npy.rs replays them against cbrng's reader).

Run from the repository root with NumPy installed:
    python3 tests/data/npy/gen_npy_cases.py
Checked with NumPy 2.4.6 (numpy/lib/_format_impl.py: read_magic,
_check_version, _read_array_header, read_array).

Each line: kind, major, minor, data bytes, header as hex, NumPy's verdict
("ok DTYPE COUNT" or "err"). kind is "fixed" (hand-written: cbrng must agree,
except where "refuse" marks a header NumPy takes but cbrng refuses by design)
or "mutant" (random edits of a valid header: cbrng may refuse what NumPy
takes, but what cbrng accepts NumPy must accept with the same dtype and count).
"""
import os, random, struct, sys, tempfile, warnings
import numpy as np

warnings.simplefilter("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.txt")

def npy_bytes(header, major, minor, data_len):
    h = header.encode("latin1") if major < 3 else header.encode("utf8")
    ln = struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([major, minor]) + ln + h + b"\x01" * data_len

def numpy_verdict(blob):
    fd, path = tempfile.mkstemp(suffix=".npy")
    try:
        os.write(fd, blob)
        os.close(fd)
        try:
            a = np.load(path, allow_pickle=False)
        except Exception:
            return "err"
        return "ok %s %d" % (a.dtype.str, a.size)
    finally:
        os.unlink(path)

B = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
FIXED = [
    # (header, major, minor, data bytes, cbrng refuses by design)
    (B, 1, 0, 16, False),
    (B, 2, 0, 16, False),
    (B, 3, 0, 16, False),
    (B, 1, 1, 16, False),          # unknown minor version
    (B, 4, 0, 16, False),          # unknown major version
    (B, 1, 0, 20, False),          # bytes after the data: read as NumPy does
    (B, 1, 0, 12, False),          # data cut short
    (B + " " * 70 + "\n", 1, 0, 16, False),
    ("\n" + B, 1, 0, 16, False),
    (" \t" + B, 1, 0, 16, False),
    ("\x0c" + B, 1, 0, 16, False),
    (B + " x", 1, 0, 16, False),   # trailing text
    (B + "\x00", 1, 0, 16, False),
    (B + " " * (10000 - len(B)), 1, 0, 16, False),  # 10 000 characters: the limit
    (B + " " * (10001 - len(B)), 2, 0, 16, False),  # one more
    ("{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'shape': (2,), }", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}", 1, 0, 16, False),
    ("{'descr': '<f4', 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': 0, 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': 'False', 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': None, 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (+4,), }", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': [4], }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (True,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (0x4,), }", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (04,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (00,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (0_4,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2_0,), }", 1, 0, 80, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4L,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4L,), }", 2, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4L,), }", 3, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4.0,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,) }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,\n 2), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1, 0, 4, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }", 1, 0, 0, False),
    ("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (4,)}", 1, 0, 16, False),
    ("{u'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, False),
    ("{'shape': (4,), 'fortran_order': False, 'descr': '<f4'}", 1, 0, 16, False),
    ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 1, 0, 16, False),
    ("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", 1, 0, 16, False),
    ("{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }", 1, 0, 16, False),
    ("{'descr': '<u2', 'fortran_order': False, 'shape': (8,), }", 1, 0, 16, False),
    ("{'descr': 'f4', 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': '=f4', 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': '|f4', 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': 'float32', 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, True),
    ("{'descr': '<f4' '', 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, True),
    ("{'descr': '\\x3cf4', 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), } # note", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': (False), 'shape': (4,), }", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': ((4,)), }", 1, 0, 16, True),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }}", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), ,}", 1, 0, 16, False),
    ("{'descr': '<f4' 'fortran_order': False, 'shape': (4,), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,),", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 18446744073709551617), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 1, 0, 16, False),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\xe9", 1, 0, 16, False),
    ("{'descr': '<f4\xe9', 'fortran_order': False, 'shape': (4,), }", 3, 0, 16, False),
    ("[('descr', '<f4')]", 1, 0, 16, False),
    ("", 1, 0, 16, False),
    ("{}", 1, 0, 16, False),
]

ALPHABET = list("{}()[],:'\" \n\t0123456789_-+LxTrueFalsNon<>|=f48u2#\\") + [
    "'descr'", "'shape'", "'fortran_order'", "True", "False", "(4,)", "4", ",", "'<f4'", "'<f8'", "\xe9", "\x00"]

def mutate(rng, text):
    for _ in range(rng.randint(1, 3)):
        i = rng.randint(0, len(text))
        op = rng.randint(0, 2)
        if op == 0:
            text = text[:i] + rng.choice(ALPHABET) + text[i:]
        elif op == 1 and text:
            j = min(len(text), i + rng.randint(1, 4))
            text = text[:i] + text[j:]
        else:
            j = min(len(text), i + 1)
            text = text[:i] + rng.choice(ALPHABET) + text[j:]
    return text

def main():
    lines = []
    for header, major, minor, data, refuse in FIXED:
        v = numpy_verdict(npy_bytes(header, major, minor, data))
        kind = "refuse" if refuse else "fixed"
        if refuse and not v.startswith("ok"):
            sys.exit("a case marked 'refuse' must be one NumPy accepts: %r" % header)
        lines.append("%s %d %d %d %s %s" % (kind, major, minor, data,
                     (header.encode("latin1") if major < 3 else header.encode("utf8")).hex() or "-", v))
    rng = random.Random(18)
    bases = [B, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
             "{\"shape\": (), \"descr\": \">f2\", \"fortran_order\": False}"]
    for _ in range(600):
        h = mutate(rng, rng.choice(bases))
        major = rng.choice([1, 1, 2, 3])
        data = rng.choice([0, 2, 4, 8, 16, 24, 48, 64])
        v = numpy_verdict(npy_bytes(h, major, 0, data))
        enc = h.encode("latin1") if major < 3 else h.encode("utf8")
        lines.append("mutant %d 0 %d %s %s" % (major, data, enc.hex() or "-", v))
    with open(OUT, "w") as f:
        f.write("# Written by tests/data/npy/gen_npy_cases.py with NumPy %s; do not edit.\n" % np.__version__)
        f.write("# kind major minor data_bytes header_hex numpy_verdict\n")
        f.write("\n".join(lines) + "\n")
    print("wrote %d cases to %s" % (len(lines), OUT))

if __name__ == "__main__":
    main()

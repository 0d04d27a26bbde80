#!/usr/bin/env python3
"""Known-answer vectors of cbrng's random-access permutation, version 1
(cbrng::shuffle), made from the written definition in src/shuffle.rs's module
docs by an implementation of its own: Threefry4x64-72 (Random123's
threefry.h), the key derivation of src/derive.rs, the Feistel network and the
cycle walk. Checks itself against tests/data/derive_v1.txt first.

    python3 tests/data/gen_permutation_reference.py > tests/data/permutation_v1.txt

Output, one case a line: `seed stream n | k0 .. k11 (hex) | i:index(i) ...`;
the key is philox4x32-10's key of the u64 seed, [seed mod 2^32, seed >> 32].
"""
import os
import sys

M64 = (1 << 64) - 1
M32 = (1 << 32) - 1
ROT_4X64 = [(14, 16), (52, 57), (23, 40), (5, 37), (25, 33), (46, 12), (58, 22), (32, 32)]
PARITY64 = 0x1BD11BDAA9FC1A22
PHILOX_M2X32_0 = 0xD256D193
TAG_PARENT = 0x6362726E67504152
TAG_INT = 0x6362726E67494E54
TAG_STR = 0x6362726E67535452
TAG_END = 0x6362726E67454E44


def rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & M64


def threefry4x64(ctr, key, rounds):
    ks = list(key) + [PARITY64 ^ key[0] ^ key[1] ^ key[2] ^ key[3]]
    x = [(c + k) & M64 for c, k in zip(ctr, ks)]
    for r in range(rounds):
        ra, rb = ROT_4X64[r % 8]
        a, b = (1, 3) if r % 2 == 0 else (3, 1)
        x[0] = (x[0] + x[a]) & M64
        x[a] = rotl(x[a], ra) ^ x[0]
        x[2] = (x[2] + x[b]) & M64
        x[b] = rotl(x[b], rb) ^ x[2]
        if r % 4 == 3:
            s = r // 4 + 1
            for i in range(4):
                x[i] = (x[i] + ks[(s + i) % 5]) & M64
            x[3] = (x[3] + s) & M64
    return x


def derive(parent, labels):
    h = [0, 0, 0, 0]

    def absorb(m):
        e = threefry4x64(m, h, 72)
        h[:] = [a ^ b for a, b in zip(e, m)]

    absorb([TAG_PARENT, len(parent), 0, 0])
    absorb((list(parent) + [0, 0, 0, 0])[:4])
    for lab in labels:
        if isinstance(lab, int):
            absorb([TAG_INT, lab, 0, 0])
        else:
            data = lab.encode()
            absorb([TAG_STR, len(data), 0, 0])
            for c in range(0, len(data), 32):
                chunk = data[c:c + 32].ljust(32, b"\0")
                absorb([int.from_bytes(chunk[8 * i:8 * i + 8], "little") for i in range(4)])
    absorb([TAG_END, len(labels), 0, 0])
    return h


def self_check():
    here = os.path.dirname(os.path.abspath(__file__))
    checked = 0
    with open(os.path.join(here, "derive_v1.txt")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            left, right = line.split("=>")
            words = left.split()
            parent = [int(w, 16) for w in words[0].split(",")]
            labels = [int(w[2:]) if w.startswith("i:") else w[2:] for w in words[1:]]
            want = [int(w, 16) for w in right.split()]
            assert derive(parent, labels) == want, line
            checked += 1
    assert checked >= 5


def round_keys(seed, stream, n):
    h = derive([seed & M32, seed >> 32], ["permutation", stream, n])
    g = derive(h, [1])
    words = h + g[:2]
    return [(words[j // 2] >> (32 * (j % 2))) & M32 for j in range(12)]


def F(v, k, w):
    p = ((v ^ k) & M32) * PHILOX_M2X32_0
    return ((p & M32) ^ (p >> 32)) >> (32 - w)


class Perm:
    def __init__(self, seed, stream, n):
        self.n = n
        self.k = round_keys(seed, stream, n)
        b = max(8, (n - 1).bit_length()) if n > 0 else 8
        self.L = b // 2
        self.R = b - self.L

    def E(self, x):
        l, r = x >> self.R, x & ((1 << self.R) - 1)
        for j in range(12):
            if j % 2 == 0:
                l ^= F(r, self.k[j], self.L)
            else:
                r ^= F(l, self.k[j], self.R)
        return (l << self.R) | r

    def index(self, i):
        assert i < self.n
        if self.n <= 1:
            return i
        y = self.E(i)
        while y >= self.n:
            y = self.E(y)
        return y


def main():
    self_check()
    out = sys.stdout
    out.write("# Known answers of cbrng::shuffle::Permutation, version 1: made by\n")
    out.write("# tests/data/gen_permutation_reference.py (an independent implementation of the\n")
    out.write("# definition in src/shuffle.rs). seed stream n | round keys k0..k11 (hex) | i:index(i)\n")
    sizes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 16, 17, 31, 64, 100, 1000, 1023, 1024, 1025,
             65537, 1 << 20, 1000003, (1 << 32) - 1, 1 << 32, (1 << 32) + 1, (1 << 40) + 7,
             1 << 63, (1 << 63) + 1, M64 - 1, M64]
    lcg = 12345
    for case, n in enumerate(sizes):
        seed = [0, 42, 1234567890123, M64][case % 4]
        stream = [0, 3, 1 << 40][case % 3]
        p = Perm(seed, stream, n)
        if n <= 64:
            pos = list(range(n))
        else:
            pos = list(range(16)) + [n - 1]
            for _ in range(24):
                lcg = (lcg * 6364136223846793005 + 1442695040888963407) & M64
                pos.append((lcg >> 11) % n)
        pairs = " ".join("%d:%d" % (i, p.index(i)) for i in pos)
        keys = " ".join("%08x" % k for k in p.k)
        out.write("%d %d %d | %s | %s\n" % (seed, stream, n, keys, pairs))


if __name__ == "__main__":
    main()

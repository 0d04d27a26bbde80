#!/usr/bin/env python3
"""Reference values of the truncated normal's CDF for tests/statistics_truncnorm.rs.

For each interval [a, b] (standard normal truncated to it) and points x
inside, the exact F(x) = P(Z <= x | a <= Z <= b) and its complement
1 - F(x), computed with mpmath at 60 digits (independent of cbrng and of the
test's own f64 formulas, which it validates). Also prints, as comment lines,
the worst acceptance rates of the sampler's four methods (src/dist/truncnorm.rs)
over a grid of intervals, from mpmath's ncdf.

Run: python3 tests/data/gen_truncnorm_reference.py > tests/data/truncnorm_reference.txt
(mpmath 1.4.1 was used, as .ci/run installs).
"""
import mpmath as mp

mp.mp.dps = 60
INF = mp.inf


def Q(x):
    """Upper tail P(Z > x), exact."""
    return mp.erfc(x / mp.sqrt(2)) / 2


def cdf(a, b, x):
    if b <= 0:  # mirror: F(x) = 1 - F'(-x) on [-b, -a], computed where Q is small
        f, s = cdf(-b, -a, -x)
        return s, f
    # F = (Q(a) - Q(x)) / (Q(a) - Q(b)), 1 - F = (Q(x) - Q(b)) / (Q(a) - Q(b))
    # (mpmath's erfc keeps full relative precision in the far tails)
    qa, qb, qx = Q(a), Q(b), Q(x)
    z = qa - qb
    return (qa - qx) / z, (qx - qb) / z


INTERVALS = [
    ("-2", "2"), ("0", "inf"), ("8", "9"), ("-inf", "-30"), ("-0.1", "0.1"), ("3", "3.5"),
    ("30", "31"), ("1000", "inf"), ("-1", "0.5"), ("-inf", "0"), ("30", "30.01"), ("-inf", "inf"),
]


def val(s):
    # the bound as the test holds it: the double nearest the decimal
    return INF if s == "inf" else (-INF if s == "-inf" else mp.mpf(float(s)))


def points(a, b):
    lo = a if a != -INF else (b - 12 if b != INF else mp.mpf(-12))
    hi = b if b != INF else (a + 12 / max(1, abs(a)) if a != -INF else mp.mpf(12))
    if a == -INF and b != INF:
        lo = b - 12 / max(1, abs(b))
    out = []
    for k in range(1, 24):
        t = mp.mpf(k) / 24
        out.append(lo + (hi - lo) * t)
    # near the ends, where relative accuracy matters
    for e in (1e-9, 1e-6, 1e-3):
        if a != -INF:
            out.append(a + e * (hi - lo))
        if b != INF:
            out.append(b - e * (hi - lo))
    return sorted(out)


def main():
    print("# a b x F(x) 1-F(x): standard normal truncated to [a, b], mpmath 60 digits")
    print("# (tests/data/gen_truncnorm_reference.py)")
    for sa, sb in INTERVALS:
        a, b = val(sa), val(sb)
        for x in points(a, b):
            xf = float(x)  # the test evaluates at the double x
            f, s = cdf(a, b, mp.mpf(xf))
            print(f"{sa} {sb} {xf!r} {mp.nstr(f, 20, min_fixed=0, max_fixed=0)} {mp.nstr(s, 20, min_fixed=0, max_fixed=0)}")
    # Worst acceptance rates of the methods (module table of src/dist/truncnorm.rs).
    s2p = mp.sqrt(2 * mp.pi)
    phi = lambda x: mp.exp(-x * x / 2) / s2p
    worst = {}

    def note(m, r, a, b):
        if m not in worst or r < worst[m][0]:
            worst[m] = (r, a, b)

    grid = [mp.mpf(k) / 50 for k in range(-400, 1) ] + [mp.mpf(-1e-12)]
    for lo in grid:  # lo < 0 < hi: centre
        if lo >= 0:
            continue
        for hi in [mp.mpf(k) / 50 for k in range(1, 501)] + [INF]:
            w = hi - lo
            p = Q(lo) - Q(hi)
            if w <= s2p:
                note("uniform-centre", p / (w * phi(0)), lo, hi)
            else:
                note("normal", p, lo, hi)
    for lo in [mp.mpf(k) / 20 for k in range(0, 800)] + [mp.mpf(100), mp.mpf(1000)]:
        dl = 2 / (lo + mp.sqrt(lo * lo + 4))
        lam = lo + dl
        for w in [mp.mpf(2) ** (k / mp.mpf(8)) for k in range(-120, 40)] + [INF]:
            hi = lo + w
            p = Q(lo) - Q(hi)
            if w * lam <= mp.exp(dl * dl / 2):
                note("uniform-tail", p / (w * phi(lo)), lo, hi)
            else:
                note("exponential", p / (phi(lo) * mp.exp(dl * dl / 2) / lam), lo, hi)
    for m, (r, a, b) in sorted(worst.items()):
        print(f"# worst acceptance {m}: {mp.nstr(r, 6)} at [{mp.nstr(a, 6)}, {mp.nstr(b, 6)}]")


main()

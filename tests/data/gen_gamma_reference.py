"""Reference values of the regularized incomplete gamma and beta functions
and the Student t CDF (scipy.special, double precision), for
tests/statistics_gamma.rs, which checks its own f64 implementations (the
exact laws of the gamma-family tests) against them.

Run: python3 tests/data/gen_gamma_reference.py > tests/data/gamma_reference.txt
(scipy 1.17.1 made the committed file.)
Lines: `gamma a x P Q`, `beta a b x I 1-I`, `t nu x cdf sf`, values as
Python float reprs (shortest round-trip).
"""
import scipy
from scipy import special

print(f"# scipy {scipy.__version__}: gamma a x P Q / beta a b x I 1-I / t nu x cdf sf")
for a in [0.01, 0.3, 0.5, 1.0, 2.0, 5.0, 1000.0]:
    for x in [1e-300, 1e-40, 1e-10, 1e-3, 0.1, 0.5, 1.0, 2.0, 3.5, 10.0, 40.0,
              900.0, 950.0, 1000.0, 1030.0, 1100.0]:
        print("gamma", repr(a), repr(x), repr(float(special.gammainc(a, x))),
              repr(float(special.gammaincc(a, x))))
for a, b in [(0.5, 0.5), (2.0, 5.0), (0.01, 0.01), (0.005, 0.005), (1.5, 0.5), (15.0, 0.5)]:
    for x in [1e-300, 1e-30, 1e-8, 0.01, 0.2, 0.5, 0.7, 0.99, 1 - 1e-8, 1 - 2.0**-40]:
        print("beta", repr(a), repr(b), repr(x), repr(float(special.betainc(a, b, x))),
              repr(float(special.betaincc(a, b, x))))
for nu in [1.0, 3.0, 30.0]:
    for x in [-1e6, -30.0, -2.0, -0.1, 0.0, 0.3, 1.0, 5.0, 1e3]:
        print("t", repr(nu), repr(x), repr(float(special.stdtr(nu, x))),
              repr(float(special.stdtr(nu, -x))))

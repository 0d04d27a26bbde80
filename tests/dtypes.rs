//! The signed and bool outputs (issue 15): i32/i64 for bits and int, bool
//! for Bernoulli. Each is checked against the unsigned output it is defined
//! from (contract version 1, src/dist/mod.rs), whose own values the contract
//! vectors pin, with the arithmetic done independently in i128.
use cbrng::dist::{DType, Distribution};
use cbrng::{Algorithm, CpuBackend, CpuOptions, Dist, Error, Generator, Stream};

fn fill<T: cbrng::dist::Element>(s: &Stream, d: &Dist, offset: u128, n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    s.fill(d, offset, &mut v)
        .unwrap_or_else(|e| panic!("{d} {}: {e}", T::DTYPE));
    v
}

fn streams() -> Vec<Stream> {
    [
        (Algorithm::PHILOX4X32_10, 42, 0),
        (Algorithm::THREEFRY2X64_20, 7, (1 << 32) + 5),
        ("philox2x32-10".parse().unwrap(), 1, 3),
        (Algorithm::THREEFRY4X64_20, u64::MAX, 9),
    ]
    .into_iter()
    .map(|(a, seed, id)| Stream::from_seed(a, seed, id).unwrap())
    .collect()
}

/// Offsets to start at: near the start, and far in (inside a philox2x32
/// stream's 2^31 two-u64 elements).
fn offsets(s: &Stream) -> Vec<u128> {
    if s.algorithm().shape().words() == 2 && s.algorithm().shape().word_bits() == 32 {
        vec![0, 3, (1 << 30) + 1]
    } else {
        vec![0, 3, (1 << 32) + 1, (1 << 40) + 7]
    }
}

#[test]
fn signed_bits_are_the_unsigned_bits() {
    for s in streams() {
        for off in offsets(&s) {
            let u: Vec<u32> = fill(&s, &Dist::Bits, off, 301);
            let i: Vec<i32> = fill(&s, &Dist::Bits, off, 301);
            assert!(
                u.iter()
                    .zip(&i)
                    .all(|(&u, &i)| u.to_le_bytes() == i.to_le_bytes())
            );
            let u: Vec<u64> = fill(&s, &Dist::Bits, off, 301);
            let i: Vec<i64> = fill(&s, &Dist::Bits, off, 301);
            assert!(
                u.iter()
                    .zip(&i)
                    .all(|(&u, &i)| u.to_le_bytes() == i.to_le_bytes())
            );
            // Both signs occur (the top bit is a fair coin).
            assert!(i.iter().any(|&x| x < 0) && i.iter().any(|&x| x >= 0));
        }
    }
}

/// The ranges each signed dtype is checked on: its edges, both signs.
fn signed_ranges(bits: u32) -> Vec<(i128, i128)> {
    let (min, end) = (-(1i128 << (bits - 1)), 1i128 << (bits - 1));
    vec![
        (min, end),
        (min, min + 1),
        (min, min + 3),
        (end - 1, end),
        (end - 3, end),
        (min, 0),
        (-1, end),
        (-5, 5),
        (-1_000_003, 17),
        (0, end),
    ]
}

#[test]
fn signed_int_is_lo_plus_the_unsigned_element_of_the_range() {
    for s in streams() {
        for off in offsets(&s) {
            for (lo, hi) in signed_ranges(32) {
                let t: Vec<u32> = fill(&s, &Dist::Int { lo: 0, hi: hi - lo }, off, 200);
                let x: Vec<i32> = fill(&s, &Dist::Int { lo, hi }, off, 200);
                for (k, (&t, &x)) in t.iter().zip(&x).enumerate() {
                    let want = lo + i128::from(t);
                    assert_eq!(i128::from(x), want, "[{lo}, {hi}) element {k}");
                    assert!((lo..hi).contains(&want));
                }
            }
            for (lo, hi) in signed_ranges(64) {
                let t: Vec<u64> = fill(&s, &Dist::Int { lo: 0, hi: hi - lo }, off, 200);
                let x: Vec<i64> = fill(&s, &Dist::Int { lo, hi }, off, 200);
                for (k, (&t, &x)) in t.iter().zip(&x).enumerate() {
                    let want = lo + i128::from(t);
                    assert_eq!(i128::from(x), want, "[{lo}, {hi}) element {k}");
                    assert!((lo..hi).contains(&want));
                }
            }
        }
    }
}

/// Over the whole range of a type the offset t is the top bits of the stream
/// element (r = 2^32: t = u64[i] >> 32; r = 2^64: t = u64[2i+1]), so every
/// i32 is `(u64[i] >> 32) - 2^31` and every i64 is `u64[2i+1] - 2^63`.
#[test]
fn full_signed_ranges_are_the_top_bits_shifted_down() {
    for s in streams() {
        for off in offsets(&s) {
            // int i32 element i reads u64 element i; int i64 reads 2i, 2i+1.
            let w: Vec<u64> = fill(&s, &Dist::Bits, off, 200);
            let full32 = Dist::Int {
                lo: i32::MIN.into(),
                hi: i128::from(i32::MAX) + 1,
            };
            let x: Vec<i32> = fill(&s, &full32, off, 200);
            for (k, &x) in x.iter().enumerate() {
                let want = i128::from(w[k] >> 32) - (1 << 31);
                assert_eq!(i128::from(x), want);
            }
            let full64 = Dist::Int {
                lo: i64::MIN.into(),
                hi: i128::from(i64::MAX) + 1,
            };
            let x: Vec<i64> = fill(&s, &full64, off, 200);
            let w: Vec<u64> = fill(&s, &Dist::Bits, 2 * off, 400);
            for (k, &x) in x.iter().enumerate() {
                assert_eq!(i128::from(x), i128::from(w[2 * k + 1]) - (1 << 63));
            }
        }
    }
}

#[test]
fn signed_int_from_zero_is_the_unsigned_bits() {
    let s = &streams()[0];
    let u: Vec<u32> = fill(s, &Dist::Int { lo: 0, hi: 1000 }, 5, 100);
    let i: Vec<i32> = fill(s, &Dist::Int { lo: 0, hi: 1000 }, 5, 100);
    assert!(
        u.iter()
            .zip(&i)
            .all(|(&u, &i)| i128::from(u) == i128::from(i))
    );
    let u: Vec<u64> = fill(s, &Dist::Int { lo: 0, hi: 1 << 40 }, 5, 100);
    let i: Vec<i64> = fill(s, &Dist::Int { lo: 0, hi: 1 << 40 }, 5, 100);
    assert!(
        u.iter()
            .zip(&i)
            .all(|(&u, &i)| i128::from(u) == i128::from(i))
    );
}

#[test]
fn bool_bernoulli_is_the_u8_bernoulli() {
    for s in streams() {
        for p in [0.0, 0.3, 0.5, 1.0] {
            let d = Dist::Bernoulli { p };
            let b: Vec<bool> = fill(&s, &d, 11, 1000);
            let u: Vec<u8> = fill(&s, &d, 11, 1000);
            assert!(b.iter().zip(&u).all(|(&b, &u)| u8::from(b) == u));
        }
        let all: Vec<bool> = fill(&s, &Dist::Bernoulli { p: 1.0 }, 0, 100);
        assert!(all.iter().all(|&b| b));
        let none: Vec<bool> = fill(&s, &Dist::Bernoulli { p: 0.0 }, 0, 100);
        assert!(none.iter().all(|&b| !b));
    }
}

/// Every backend and thread count gives the same values for the new dtypes
/// (a buffer large enough to be split over threads).
#[test]
fn backends_and_threads_agree_on_the_new_dtypes() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 3, 1).unwrap();
    let one = CpuOptions::auto()
        .with_backend(CpuBackend::Scalar)
        .unwrap()
        .with_threads(1)
        .unwrap();
    let many = CpuOptions::auto().with_threads(4).unwrap();
    let n = 1 << 20;
    macro_rules! same {
        ($t:ty, $d:expr) => {{
            let mut a = vec![<$t>::default(); n];
            let mut b = a.clone();
            s.fill_with(&one, &$d, 13, &mut a).unwrap();
            s.fill_with(&many, &$d, 13, &mut b).unwrap();
            assert!(a == b, "{} {}", $d, stringify!($t));
        }};
    }
    same!(i32, Dist::Bits);
    same!(i64, Dist::Bits);
    same!(bool, Dist::Bernoulli { p: 0.25 });
    same!(i32, Dist::Int { lo: -7, hi: 7 });
    same!(
        i64,
        Dist::Int {
            lo: -(1 << 62),
            hi: 1 << 62
        }
    );
}

fn prepare_err(d: Dist, dtype: DType) -> String {
    let e = d.prepare(dtype).expect_err("out of range");
    let msg = e.to_string();
    assert_eq!(msg.lines().count(), 1, "{msg}");
    msg
}

#[test]
fn ranges_outside_the_dtype_are_clear_errors() {
    let max32 = i128::from(i32::MAX);
    let max64 = i128::from(i64::MAX);
    let cases: [(Dist, DType, &str); 10] = [
        (
            Dist::Int { lo: -1, hi: 5 },
            DType::U32,
            "int range [-1, 5) does not fit u32 (lo must be >= 0; i32 and i64 take negative values)",
        ),
        (Dist::Int { lo: -5, hi: 5 }, DType::U8, "lo must be >= 0"),
        (
            Dist::Int {
                lo: -max32 - 2,
                hi: 0,
            },
            DType::I32,
            "int range [-2147483649, 0) does not fit i32 (lo must be >= -2147483648)",
        ),
        (
            Dist::Int {
                lo: 0,
                hi: max32 + 2,
            },
            DType::I32,
            "int range [0, 2147483649) does not fit i32 (hi must be <= 2147483648)",
        ),
        (
            Dist::Int {
                lo: -max64 - 2,
                hi: 0,
            },
            DType::I64,
            "(lo must be >= -9223372036854775808)",
        ),
        (
            Dist::Int {
                lo: 0,
                hi: max64 + 2,
            },
            DType::I64,
            "(hi must be <= 9223372036854775808)",
        ),
        (
            Dist::Int { lo: 5, hi: 5 },
            DType::I32,
            "int range [5, 5) is empty",
        ),
        (Dist::Int { lo: 3, hi: -3 }, DType::I64, "is empty"),
        // Bounds far outside every type: an error, no overflow on the way.
        (
            Dist::Int {
                lo: i128::MIN,
                hi: i128::MAX,
            },
            DType::I64,
            "does not fit i64",
        ),
        (
            Dist::Int {
                lo: 0,
                hi: i128::MAX,
            },
            DType::U64,
            "hi must be <= 18446744073709551616",
        ),
    ];
    for (d, dtype, needle) in cases {
        let msg = prepare_err(d, dtype);
        assert!(
            msg.contains(needle),
            "{d} {dtype}: {msg:?} lacks {needle:?}"
        );
    }
    // The pairs the contract does not define.
    for (d, dtype) in [
        (Dist::Bits, DType::Bool),
        (Dist::Uniform, DType::I32),
        (Dist::Bernoulli { p: 0.5 }, DType::I32),
        (Dist::Int { lo: 0, hi: 2 }, DType::Bool),
        (Dist::STANDARD_NORMAL, DType::I64),
    ] {
        let msg = prepare_err(d, dtype);
        assert!(
            matches!(d.prepare(dtype), Err(Error::DTypeMismatch { .. })),
            "{msg}"
        );
    }
    // And a fill never wraps instead.
    let s = &streams()[0];
    let mut out = [0i32; 4];
    assert!(
        s.fill(
            &Dist::Int {
                lo: 0,
                hi: max32 + 2
            },
            0,
            &mut out
        )
        .is_err()
    );
}

#[test]
fn the_grammar_takes_signed_bounds() {
    let d: Distribution = "int:-5..5".parse().unwrap();
    assert_eq!(d, Dist::Int { lo: -5, hi: 5 });
    assert_eq!(d.to_string(), "int:-5..5");
    let d: Distribution = "INT:-9223372036854775808..9223372036854775808"
        .parse()
        .unwrap();
    assert_eq!(
        d,
        Dist::Int {
            lo: i64::MIN.into(),
            hi: i128::from(i64::MAX) + 1
        }
    );
    assert_eq!(d.to_string().parse::<Distribution>().unwrap(), d);
    for bad in [
        "int:-0..5",
        "int:+1..5",
        "int:--1..5",
        "int:-05..5",
        "int:1..-",
        "int:- 1..5",
    ] {
        let e = bad.parse::<Distribution>().expect_err(bad).to_string();
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    for (name, dt) in [
        ("i32", DType::I32),
        ("I64", DType::I64),
        ("bool", DType::Bool),
    ] {
        assert_eq!(name.parse::<DType>().unwrap(), dt);
    }
    assert_eq!(DType::I32.size(), 4);
    assert_eq!(DType::I64.size(), 8);
    assert_eq!(DType::Bool.size(), 1);
}

/// The stateful generator steps over the new dtypes as over the unsigned
/// ones they read: consecutive calls are consecutive slices.
#[test]
fn generator_fills_the_new_dtypes_consecutively() {
    let algo = Algorithm::THREEFRY2X64_20;
    let s = Stream::from_seed(algo, 5, 2).unwrap();
    let d = Dist::Int { lo: -100, hi: 100 };
    let mut g = Generator::new(algo, 5, 2).unwrap();
    let a: Vec<i64> = g.random(&d, 3).unwrap();
    let b: Vec<i64> = g.random(&d, 4).unwrap();
    assert_eq!(g.word_pos(), 7 * 4);
    let whole: Vec<i64> = fill(&s, &d, 0, 7);
    assert_eq!([a, b].concat(), whole);
    let mut g = Generator::new(algo, 5, 2).unwrap();
    let p = Dist::Bernoulli { p: 0.5 };
    let a: Vec<bool> = g.random(&p, 5).unwrap();
    let b: Vec<bool> = g.random(&p, 6).unwrap();
    assert_eq!(g.word_pos(), 11);
    assert_eq!([a, b].concat(), fill::<bool>(&s, &p, 0, 11));
    let mut g = Generator::new(algo, 5, 2).unwrap();
    let a: Vec<i32> = g.random(&Dist::Int { lo: -3, hi: 3 }, 2).unwrap();
    assert_eq!(g.word_pos(), 4);
    assert_eq!(a, fill::<i32>(&s, &Dist::Int { lo: -3, hi: 3 }, 0, 2));
}

/// `fill_bytes` (what a device buffer holds after a fill) is the values'
/// own bytes: two's complement little-endian, bool 0/1.
#[test]
fn fill_bytes_are_the_values_bytes() {
    let s = &streams()[1];
    let d = Dist::Int { lo: -5, hi: 5 };
    let v: Vec<i32> = fill(s, &d, 9, 64);
    let b = s
        .fill_bytes(&d.prepare(DType::I32).unwrap(), 9, 64)
        .unwrap();
    let want: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    assert_eq!(b, want);
    let p = Dist::Bernoulli { p: 0.5 };
    let v: Vec<bool> = fill(s, &p, 9, 64);
    let b = s
        .fill_bytes(&p.prepare(DType::Bool).unwrap(), 9, 64)
        .unwrap();
    assert_eq!(b, v.iter().map(|&x| u8::from(x)).collect::<Vec<_>>());
}

//! The binary floating-point formats the reductions read and write, described
//! by their field widths, and the exact decoding of one value.

use half::{bf16, f16};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for half::f16 {}
    impl Sealed for half::bf16 {}
}

/// An IEEE 754 binary format that the exact reductions accept and produce:
/// `f32`, `f64`, `half::f16` and `half::bf16`. Sealed.
///
/// ```
/// use cbrng::reduce::Float;
/// assert_eq!(<f32 as Float>::FRAC_BITS, 23);
/// assert_eq!(<half::bf16 as Float>::EXP_BITS, 8);
/// ```
pub trait Float: sealed::Sealed + Copy + Send + Sync + 'static {
    /// Width of the encoding in bits.
    const BITS: u32;
    /// Width of the biased exponent field.
    const EXP_BITS: u32;
    /// Width of the stored fraction field (precision minus one).
    const FRAC_BITS: u32;
    /// Short name, e.g. "f32".
    const NAME: &'static str;
    /// The encoding, zero-extended.
    fn to_bits_u64(self) -> u64;
    /// The value with this encoding (the low `BITS` bits of `bits`).
    fn from_bits_u64(bits: u64) -> Self;
}

macro_rules! float {
    ($t:ty, $bits:expr, $e:expr, $f:expr, $name:expr, $u:ty, |$x:ident| $to:expr, |$b:ident| $from:expr) => {
        impl Float for $t {
            const BITS: u32 = $bits;
            const EXP_BITS: u32 = $e;
            const FRAC_BITS: u32 = $f;
            const NAME: &'static str = $name;
            #[inline(always)]
            fn to_bits_u64(self) -> u64 {
                let $x = self;
                $to as u64
            }
            #[inline(always)]
            fn from_bits_u64(bits: u64) -> Self {
                let $b = bits as $u;
                $from
            }
        }
    };
}
float!(f32, 32, 8, 23, "f32", u32, |x| x.to_bits(), |b| {
    f32::from_bits(b)
});
float!(f64, 64, 11, 52, "f64", u64, |x| x.to_bits(), |b| {
    f64::from_bits(b)
});
float!(f16, 16, 5, 10, "f16", u16, |x| x.to_bits(), |b| {
    f16::from_bits(b)
});
float!(bf16, 16, 8, 7, "bf16", u16, |x| x.to_bits(), |b| {
    bf16::from_bits(b)
});

/// Field layout of a format, as plain numbers (what the rounding needs).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Format {
    pub bits: u32,
    pub exp_bits: u32,
    pub frac_bits: u32,
}

impl Format {
    pub const fn of<T: Float>() -> Self {
        Format {
            bits: T::BITS,
            exp_bits: T::EXP_BITS,
            frac_bits: T::FRAC_BITS,
        }
    }
    /// Exponent bias.
    pub const fn bias(self) -> i32 {
        (1 << (self.exp_bits - 1)) - 1
    }
    /// All-ones exponent field (infinities and NaNs).
    pub const fn exp_max(self) -> u64 {
        (1 << self.exp_bits) - 1
    }
    /// Exponent of the last fraction bit of subnormals and of the smallest binade:
    /// the smallest positive value is 2^qmin.
    pub const fn qmin(self) -> i32 {
        1 - self.bias() - self.frac_bits as i32
    }
    /// Encoding of +inf.
    pub const fn inf_bits(self) -> u64 {
        self.exp_max() << self.frac_bits
    }
    /// The sign bit.
    pub const fn sign_bit(self) -> u64 {
        1 << (self.bits - 1)
    }
    /// The canonical quiet NaN (sign clear, top fraction bit set).
    pub const fn nan_bits(self) -> u64 {
        self.inf_bits() | (1 << (self.frac_bits - 1))
    }
}

/// One value, decoded exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// A NaN (any payload).
    Nan,
    /// An infinity; `true` for -inf.
    Inf(bool),
    /// A zero; `true` for -0.0.
    Zero(bool),
    /// `(-1)^neg * m * 2^q`, `m > 0`.
    Finite { neg: bool, m: u64, q: i32 },
}

/// Decodes the encoding `bits` of a value of format `f`.
#[inline(always)]
pub(crate) fn decode(f: Format, bits: u64) -> Class {
    let neg = (bits >> (f.bits - 1)) & 1 == 1;
    let e = (bits >> f.frac_bits) & f.exp_max();
    let frac = bits & ((1 << f.frac_bits) - 1);
    if e == f.exp_max() {
        if frac == 0 {
            Class::Inf(neg)
        } else {
            Class::Nan
        }
    } else if e == 0 && frac == 0 {
        Class::Zero(neg)
    } else {
        let m = frac | (u64::from(e != 0) << f.frac_bits);
        Class::Finite {
            neg,
            m,
            q: f.qmin() + (e.max(1) as i32 - 1),
        }
    }
}

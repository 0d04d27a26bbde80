//! Output formats of `cbrng fill`: hex lines, raw little-endian bytes, .npy.

use cbrng::dist::{DType, Element};
use half::{bf16, f16};
use std::io::{self, Write};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One element a line, lowercase hex, zero-padded; floats by IEEE bits.
    Hex,
    /// Little-endian bytes.
    Raw,
    /// NumPy .npy (f16 as <f2, bf16 as <u2).
    Npy,
}

/// An element as the bits `hex` prints.
pub trait HexBits: Element {
    fn bits(self) -> u64;
}
macro_rules! hex_bits {
    ($t:ty, |$x:ident| $e:expr) => {
        impl HexBits for $t {
            fn bits(self) -> u64 {
                let $x = self;
                $e
            }
        }
    };
}
hex_bits!(u32, |x| x.into());
hex_bits!(u64, |x| x);
hex_bits!(u8, |x| x.into());
hex_bits!(f32, |x| x.to_bits().into());
hex_bits!(f64, |x| x.to_bits());
hex_bits!(f16, |x| x.to_bits().into());
hex_bits!(bf16, |x| x.to_bits().into());

fn npy_descr(d: DType) -> &'static str {
    match d {
        DType::U32 => "<u4",
        DType::U64 => "<u8",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::F16 => "<f2",
        DType::BF16 => "<u2",
        DType::U8 => "|u1",
    }
}

/// Writes a NumPy format 1.0 header for a 1-D array of `n` elements.
pub fn write_npy_header(w: &mut impl Write, dtype: DType, n: u64) -> io::Result<()> {
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': ({n},), }}",
        npy_descr(dtype)
    );
    // Magic (6) + version (2) + length (2) + dict + '\n' is padded to 64 bytes.
    let total = 10 + dict.len() + 1;
    dict.push_str(&" ".repeat(total.next_multiple_of(64) - total));
    dict.push('\n');
    w.write_all(b"\x93NUMPY\x01\x00")?;
    w.write_all(&(dict.len() as u16).to_le_bytes())?;
    w.write_all(dict.as_bytes())
}

/// Writes a chunk of elements in `format` (the npy header is written once, before).
pub fn write_chunk<T: HexBits>(w: &mut impl Write, format: Format, xs: &[T]) -> io::Result<()> {
    match format {
        Format::Hex => {
            let digits = 2 * T::DTYPE.size();
            for &x in xs {
                writeln!(w, "{:0digits$x}", x.bits())?;
            }
            Ok(())
        }
        // Every supported target is little-endian; the bytes are the values.
        Format::Raw | Format::Npy => w.write_all(bytemuck::cast_slice(xs)),
    }
}

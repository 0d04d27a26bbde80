//! Reading NumPy .npy files (format versions 1, 2 and 3): the header, then
//! the data in bounded-size chunks. Every problem is an error value.

use cbrng::Error;
use std::io::Read;

/// Element types `cbrng sum` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NpyType {
    F32,
    F64,
    F16,
    /// Two-byte unsigned integers (how `cbrng fill` writes bf16).
    U16,
}

impl NpyType {
    pub fn size(self) -> usize {
        match self {
            NpyType::F32 => 4,
            NpyType::F64 => 8,
            NpyType::F16 | NpyType::U16 => 2,
        }
    }
}

/// An open .npy file positioned at its data.
pub struct Npy {
    pub dtype: NpyType,
    pub big_endian: bool,
    pub count: u64,
    path: String,
    reader: std::io::BufReader<std::fs::File>,
    left: u64,
}

fn err(path: &str, reason: impl Into<String>) -> Error {
    Error::Io {
        path: path.to_string(),
        reason: reason.into(),
    }
}

/// The value of `'key': VALUE` in the header dict, as raw text.
fn field<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let at = dict.find(&format!("'{key}'"))? + key.len() + 2;
    let rest = dict[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')')? + 1
    } else if let Some(r) = rest.strip_prefix('\'') {
        r.find('\'')? + 2
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some(rest[..end].trim())
}

impl Npy {
    pub fn open(path: &str) -> Result<Npy, Error> {
        let file = std::fs::File::open(path).map_err(|e| err(path, e.to_string()))?;
        let file_len = file.metadata().map_err(|e| err(path, e.to_string()))?.len();
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let io = |e: std::io::Error| err(path, format!("not a .npy file: {e}"));
        let mut magic = [0u8; 8];
        reader.read_exact(&mut magic).map_err(io)?;
        if &magic[..6] != b"\x93NUMPY" {
            return Err(err(path, "not a .npy file (no \\x93NUMPY magic)"));
        }
        let header_len = match magic[6] {
            1 => {
                let mut b = [0u8; 2];
                reader.read_exact(&mut b).map_err(io)?;
                u64::from(u16::from_le_bytes(b))
            }
            2 | 3 => {
                let mut b = [0u8; 4];
                reader.read_exact(&mut b).map_err(io)?;
                u64::from(u32::from_le_bytes(b))
            }
            v => {
                return Err(err(
                    path,
                    format!(".npy format version {v} is not supported"),
                ));
            }
        };
        let prefix = if magic[6] == 1 { 10 } else { 12 };
        if header_len > 1 << 20 || prefix + header_len > file_len {
            return Err(err(
                path,
                "the .npy header length runs past the end of the file",
            ));
        }
        let mut header = vec![0u8; header_len as usize];
        reader.read_exact(&mut header).map_err(io)?;
        let dict =
            String::from_utf8(header).map_err(|_| err(path, "the .npy header is not text"))?;
        let descr = field(&dict, "descr")
            .and_then(|d| d.strip_prefix('\'')?.strip_suffix('\''))
            .ok_or_else(|| err(path, "the .npy header has no 'descr'"))?;
        let (big_endian, code) = match descr.split_at_checked(1) {
            Some(("<", c)) | Some(("|", c)) | Some(("=", c)) => (false, c),
            Some((">", c)) => (true, c),
            _ => (false, descr),
        };
        let dtype = match code {
            "f4" => NpyType::F32,
            "f8" => NpyType::F64,
            "f2" => NpyType::F16,
            "u2" => NpyType::U16,
            _ => {
                return Err(err(
                    path,
                    format!(
                        "dtype '{descr}' is not summable (expected <f4, <f8, <f2, or <u2 holding bf16)"
                    ),
                ));
            }
        };
        let shape =
            field(&dict, "shape").ok_or_else(|| err(path, "the .npy header has no 'shape'"))?;
        let inner = shape
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .ok_or_else(|| err(path, format!("bad shape {shape}")))?;
        let mut count = 1u64;
        for dim in inner.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let d: u64 = dim
                .trim_end_matches('L')
                .parse()
                .map_err(|_| err(path, format!("bad shape {shape}")))?;
            count = count
                .checked_mul(d)
                .ok_or_else(|| err(path, format!("shape {shape} is too large")))?;
        }
        let data = count
            .checked_mul(dtype.size() as u64)
            .ok_or_else(|| err(path, format!("shape {shape} is too large")))?;
        let have = file_len - prefix - header_len;
        if have != data {
            return Err(err(
                path,
                format!(
                    "the header promises {count} elements ({data} bytes) but the file holds {have} bytes of data"
                ),
            ));
        }
        Ok(Npy {
            dtype,
            big_endian,
            count,
            path: path.to_string(),
            reader,
            left: count,
        })
    }

    /// Reads up to `buf.len() / size` elements as little-endian bytes into
    /// `buf`; returns how many (0 at the end).
    pub fn read_chunk(&mut self, buf: &mut [u8]) -> Result<usize, Error> {
        let size = self.dtype.size();
        let n = ((buf.len() / size) as u64).min(self.left) as usize;
        let bytes = &mut buf[..n * size];
        self.reader
            .read_exact(bytes)
            .map_err(|e| err(&self.path, e.to_string()))?;
        if self.big_endian {
            for c in bytes.chunks_exact_mut(size) {
                c.reverse();
            }
        }
        self.left -= n as u64;
        Ok(n)
    }
}

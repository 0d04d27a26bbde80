//! Reading NumPy .npy files (format versions 1, 2 and 3): the header, then
//! the data in bounded-size chunks. Every problem is an error value.

use cbrng::Error;
use cbrng::npy;
use std::io::Read;

pub use cbrng::npy::NpyType;

/// An open .npy file positioned at its data.
pub struct Npy {
    pub dtype: NpyType,
    pub big_endian: bool,
    pub count: u64,
    path: String,
    reader: std::io::BufReader<Box<dyn Read>>,
    left: u64,
}

fn err(path: &str, reason: impl Into<String>) -> Error {
    Error::Io {
        path: path.to_string(),
        reason: reason.into(),
    }
}

impl Npy {
    /// Opens `path` (`-`: standard input). Regular files, pipes, FIFOs and
    /// `/dev/stdin` alike: the data is read once, front to back, in chunks.
    pub fn open(path: &str) -> Result<Npy, Error> {
        let (file, file_len): (Box<dyn Read>, Option<u64>) = if path == "-" {
            (Box::new(std::io::stdin()), None)
        } else {
            let file = std::fs::File::open(path).map_err(|e| err(path, e.to_string()))?;
            let meta = file.metadata().map_err(|e| err(path, e.to_string()))?;
            if meta.is_dir() {
                return Err(err(path, "is a directory"));
            }
            // Only a regular file's length is known before reading it.
            let len = meta.is_file().then_some(meta.len());
            (Box::new(file), len)
        };
        let path = if path == "-" { "<stdin>" } else { path };
        let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
        let h = npy::read_header(&mut reader).map_err(|e| err(path, e))?;
        let dtype = h.dtype.ok_or_else(|| {
            err(
                path,
                format!(
                    "dtype {} is not summable (expected <f4, <f8, <f2, or <u2 holding bf16)",
                    npy::escape(h.descr.as_bytes())
                ),
            )
        })?;
        let count = h.count;
        let data = count
            .checked_mul(dtype.size() as u64)
            .ok_or_else(|| err(path, format!("shape {:?} is too large", h.shape)))?;
        // Like NumPy: the data must be there; bytes after it are not read.
        // A stream's length shows only at its end (see read_chunk).
        if let Some(file_len) = file_len {
            let have = file_len.saturating_sub(h.data_offset);
            if have < data {
                return Err(err(
                    path,
                    format!(
                        "the header promises {count} elements ({data} bytes) but the file holds {have} bytes of data"
                    ),
                ));
            }
        }
        let big_endian = h.big_endian;
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
        let mut got = 0;
        while got < bytes.len() {
            match self.reader.read(&mut bytes[got..]) {
                Ok(0) => {
                    let read = (self.count - self.left) * size as u64 + got as u64;
                    return Err(err(
                        &self.path,
                        format!(
                            "the header promises {} elements ({} bytes) but the data ends after {read} bytes",
                            self.count,
                            self.count * size as u64
                        ),
                    ));
                }
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(err(&self.path, e.to_string())),
            }
        }
        if self.big_endian {
            for c in bytes.chunks_exact_mut(size) {
                c.reverse();
            }
        }
        self.left -= n as u64;
        Ok(n)
    }
}

//! The header of a NumPy `.npy` file, read by NumPy's own rules
//! (`numpy/lib/_format_impl.py`: `read_magic`, `_check_version`,
//! `_read_array_header`, `read_array`; checked against NumPy 2.4 by
//! `tests/data/npy/gen_npy_cases.py`, whose verdicts `tests/npy.rs` replays).
//!
//! What NumPy accepts is accepted, with the same meaning:
//! - magic `\x93NUMPY`, format versions 1.0, 2.0 and 3.0 only (no other minor);
//! - a header of at most 10 000 characters (NumPy's `max_header_size`), a
//!   Python dict literal: keys in single or double quotes (an optional `u`
//!   prefix), any order, spaces, tabs, form feeds and line breaks between
//!   tokens and before the dict, a trailing comma, padding after it;
//! - exactly the keys `descr`, `fortran_order` (`True` or `False`) and `shape`
//!   (a tuple of decimal integers: `()`, `(4,)`, `(2, 3)`, `(2, 3,)`; digits
//!   may be grouped with `_` as in Python; `4L` in versions 1 and 2, as
//!   NumPy's Python-2 filter allows);
//! - bytes after the data (NumPy reads `count` elements and ignores them).
//!
//! Refused, though NumPy's `ast.literal_eval` would take them (each would
//! let one file mean two arrays, or is not a shape): a key given twice
//! (NumPy keeps the last), a signed, negative, boolean, non-decimal or
//! parenthesised shape entry, string escapes, prefixes other than `u` and
//! implicit concatenation, comments. Everything NumPy refuses is refused.
//! Error messages quote header text escaped, on one line.

use std::io::Read;

/// NumPy's default `max_header_size`: longer headers are refused.
pub const MAX_HEADER_CHARS: usize = 10_000;

/// Element types `cbrng sum` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NpyType {
    /// `f4`.
    F32,
    /// `f8`.
    F64,
    /// `f2`.
    F16,
    /// `u2`: two-byte unsigned integers (how `cbrng fill` writes bf16).
    U16,
}

impl NpyType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            NpyType::F32 => 4,
            NpyType::F64 => 8,
            NpyType::F16 | NpyType::U16 => 2,
        }
    }
}

/// A checked `.npy` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NpyHeader {
    /// Format version (major, minor).
    pub version: (u8, u8),
    /// The `descr` string as written.
    pub descr: String,
    /// The element type, when `descr` is one `cbrng sum` reads.
    pub dtype: Option<NpyType>,
    /// Big-endian data (`>` in `descr`).
    pub big_endian: bool,
    /// `fortran_order`.
    pub fortran_order: bool,
    /// The shape.
    pub shape: Vec<u64>,
    /// Elements: the product of the shape (1 for `()`).
    pub count: u64,
    /// Bytes before the data: magic, length field and header.
    pub data_offset: u64,
}

/// Shows raw header bytes in a message: escaped, one line, cut after 60 bytes.
pub fn escape(bytes: &[u8]) -> String {
    let cut = bytes.len() > 60;
    let shown: String = bytes[..bytes.len().min(60)].escape_ascii().to_string();
    format!("\"{shown}{}\"", if cut { "..." } else { "" })
}

/// Reads the magic, the header length and the header from `r` (and nothing
/// more), and checks them. Reads at most 12 + 4 · 10 000 bytes.
pub fn read_header<R: Read>(r: &mut R) -> Result<NpyHeader, String> {
    let mut magic = [0u8; 8];
    r.read_exact(&mut magic)
        .map_err(|e| format!("not a .npy file: {e}"))?;
    if &magic[..6] != b"\x93NUMPY" {
        return Err(format!(
            "not a .npy file (no \\x93NUMPY magic; starts {})",
            escape(&magic[..6])
        ));
    }
    let version = (magic[6], magic[7]);
    let len_bytes = match version {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        (a, b) => {
            return Err(format!(
                ".npy format version {a}.{b} is not supported (NumPy reads 1.0, 2.0 and 3.0)"
            ));
        }
    };
    let mut lb = [0u8; 4];
    r.read_exact(&mut lb[..len_bytes])
        .map_err(|e| format!("the .npy header length is cut short: {e}"))?;
    let header_len = u32::from_le_bytes(lb) as usize;
    // UTF-8 (version 3) takes at most 4 bytes a character.
    if header_len > 4 * MAX_HEADER_CHARS {
        return Err(format!(
            "the .npy header is {header_len} bytes, longer than NumPy reads ({MAX_HEADER_CHARS} characters)"
        ));
    }
    let mut header = vec![0u8; header_len];
    r.read_exact(&mut header)
        .map_err(|e| format!("the .npy header runs past the end of the file: {e}"))?;
    let mut h = parse_header(&header, version)?;
    h.data_offset = (8 + len_bytes + header_len) as u64;
    Ok(h)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok<'a> {
    Punct(u8),
    Str(&'a str),
    Name(&'a str),
    Int(u64),
}

struct Lexer<'a> {
    text: &'a [u8],
    at: usize,
    long_suffix: bool,
}

impl<'a> Lexer<'a> {
    fn err(&self, what: &str) -> String {
        let from = self.at.min(self.text.len());
        format!(
            "bad .npy header: {what} at byte {from} ({})",
            escape(&self.text[from..])
        )
    }

    fn skip_space(&mut self) {
        while self.at < self.text.len() && b" \t\x0c\n\r".contains(&self.text[self.at]) {
            self.at += 1;
        }
    }

    /// The next token, or `None` at the end.
    fn next(&mut self) -> Result<Option<Tok<'a>>, String> {
        self.skip_space();
        let t = self.text;
        let Some(&c) = t.get(self.at) else {
            return Ok(None);
        };
        let start = self.at;
        match c {
            b'{' | b'}' | b'(' | b')' | b',' | b':' => {
                self.at += 1;
                Ok(Some(Tok::Punct(c)))
            }
            b'\'' | b'"' => self.string(start + 1, c),
            b'u' | b'U' if matches!(t.get(start + 1), Some(b'\'' | b'"')) => {
                self.string(start + 2, t[start + 1])
            }
            b'0'..=b'9' => {
                while self.at < t.len()
                    && (t[self.at].is_ascii_alphanumeric() || t[self.at] == b'_')
                {
                    self.at += 1;
                }
                let mut word = &t[start..self.at];
                if self.long_suffix && word.len() > 1 && word.ends_with(b"L") {
                    word = &word[..word.len() - 1];
                }
                let bad = || {
                    Err(format!(
                        "bad .npy header: shape entry {} is not a decimal integer",
                        escape(&t[start..self.at])
                    ))
                };
                // Python's decimal integers: 0(_?0)* or [1-9](_?[0-9])*.
                let groups_ok = !word.ends_with(b"_")
                    && !word.windows(2).any(|w| w == b"__")
                    && word.iter().all(|&b| b.is_ascii_digit() || b == b'_');
                let zero = word.iter().all(|&b| b == b'0' || b == b'_');
                if !groups_ok || (word[0] == b'0' && !zero) {
                    return bad();
                }
                let mut v = 0u64;
                for &b in word.iter().filter(|&&b| b != b'_') {
                    v = match v
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(u64::from(b - b'0')))
                    {
                        Some(v) => v,
                        None => {
                            return Err(format!(
                                "bad .npy header: shape entry {} is too large",
                                escape(&t[start..self.at])
                            ));
                        }
                    };
                }
                Ok(Some(Tok::Int(v)))
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while self.at < t.len()
                    && (t[self.at].is_ascii_alphanumeric() || t[self.at] == b'_')
                {
                    self.at += 1;
                }
                let name = std::str::from_utf8(&t[start..self.at]).expect("ASCII");
                Ok(Some(Tok::Name(name)))
            }
            _ => Err(self.err("unexpected character")),
        }
    }

    fn string(&mut self, from: usize, quote: u8) -> Result<Option<Tok<'a>>, String> {
        let t = self.text;
        let Some(len) = t[from..]
            .iter()
            .position(|&b| b == quote || b == b'\\' || b == b'\n')
        else {
            self.at = from;
            return Err(self.err("unterminated string"));
        };
        if t[from + len] != quote {
            self.at = from + len;
            return Err(self.err("escape or line break in a string"));
        }
        self.at = from + len + 1;
        let s =
            std::str::from_utf8(&t[from..from + len]).map_err(|_| self.err("non-ASCII text"))?;
        // Implicit concatenation ('a' 'b') is one Python string; refuse it.
        self.skip_space();
        if matches!(t.get(self.at), Some(b'\'' | b'"')) {
            return Err(self.err("two adjacent strings"));
        }
        Ok(Some(Tok::Str(s)))
    }

    fn expect(&mut self, want: u8) -> Result<(), String> {
        let at = self.at;
        match self.next()? {
            Some(Tok::Punct(c)) if c == want => Ok(()),
            _ => {
                self.at = at;
                self.skip_space();
                Err(self.err(&format!("expected '{}'", want as char)))
            }
        }
    }
}

enum Value<'a> {
    Str(&'a str),
    Bool(bool),
    Shape(Vec<u64>),
}

fn value<'a>(lx: &mut Lexer<'a>) -> Result<Value<'a>, String> {
    let at = lx.at;
    match lx.next()? {
        Some(Tok::Str(s)) => Ok(Value::Str(s)),
        Some(Tok::Name("True")) => Ok(Value::Bool(true)),
        Some(Tok::Name("False")) => Ok(Value::Bool(false)),
        Some(Tok::Punct(b'(')) => {
            let mut dims = Vec::new();
            loop {
                let at = lx.at;
                match lx.next()? {
                    Some(Tok::Punct(b')')) => break,
                    Some(Tok::Int(v)) => dims.push(v),
                    _ => {
                        lx.at = at;
                        lx.skip_space();
                        return Err(lx.err("malformed shape"));
                    }
                }
                let at = lx.at;
                match lx.next()? {
                    Some(Tok::Punct(b')')) if dims.len() > 1 => break,
                    Some(Tok::Punct(b',')) => {}
                    _ => {
                        lx.at = at;
                        lx.skip_space();
                        return Err(lx.err("malformed shape (a 1-tuple needs its comma)"));
                    }
                }
            }
            Ok(Value::Shape(dims))
        }
        _ => {
            lx.at = at;
            lx.skip_space();
            Err(lx.err("expected a string, True, False or a shape tuple"))
        }
    }
}

/// Checks a header's text (the bytes after the length field) for format
/// `version`.
pub fn parse_header(header: &[u8], version: (u8, u8)) -> Result<NpyHeader, String> {
    if !header.is_ascii() {
        return Err(format!(
            "bad .npy header: non-ASCII bytes ({})",
            escape(header)
        ));
    }
    if header.len() > MAX_HEADER_CHARS {
        return Err(format!(
            "the .npy header is {} characters, longer than NumPy reads ({MAX_HEADER_CHARS})",
            header.len()
        ));
    }
    let mut lx = Lexer {
        text: header,
        at: 0,
        long_suffix: version.0 <= 2,
    };
    lx.expect(b'{')?;
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        let at = lx.at;
        let key = match lx.next()? {
            Some(Tok::Punct(b'}')) => break,
            Some(Tok::Str(k)) => k,
            _ => {
                lx.at = at;
                lx.skip_space();
                return Err(lx.err("expected a quoted key or '}'"));
            }
        };
        lx.expect(b':')?;
        lx.skip_space();
        if key == "descr" && lx.text.get(lx.at) == Some(&b'[') {
            // A list of (name, type) fields: NumPy's structured arrays.
            return Err(
                "structured dtypes are not supported (descr is a list of fields; cbrng reads plain arrays of one type)"
                    .into(),
            );
        }
        let v = value(&mut lx)?;
        let slot_taken = match (key, v) {
            ("descr", Value::Str(s)) => descr.replace(s).is_some(),
            ("fortran_order", Value::Bool(b)) => fortran.replace(b).is_some(),
            ("shape", Value::Shape(s)) => shape.replace(s).is_some(),
            ("descr" | "fortran_order" | "shape", _) => {
                return Err(format!(
                    "bad .npy header: '{key}' has the wrong kind of value (descr a string, fortran_order True or False, shape a tuple of integers)"
                ));
            }
            _ => {
                return Err(format!(
                    "bad .npy header: unknown key {} (NumPy allows only descr, fortran_order, shape)",
                    escape(key.as_bytes())
                ));
            }
        };
        if slot_taken {
            return Err(format!(
                "bad .npy header: key '{key}' given twice (NumPy would keep the last; refused)"
            ));
        }
        let at = lx.at;
        match lx.next()? {
            Some(Tok::Punct(b',')) => {}
            Some(Tok::Punct(b'}')) => break,
            _ => {
                lx.at = at;
                lx.skip_space();
                return Err(lx.err("expected ',' or '}'"));
            }
        }
    }
    lx.skip_space();
    if lx.at != header.len() {
        return Err(lx.err("text after the header dict"));
    }
    let missing = |k: &str| format!("bad .npy header: no '{k}' key");
    let descr = descr.ok_or_else(|| missing("descr"))?;
    let fortran_order = fortran.ok_or_else(|| missing("fortran_order"))?;
    let shape = shape.ok_or_else(|| missing("shape"))?;
    let count = shape
        .iter()
        .try_fold(1u64, |c, &d| c.checked_mul(d))
        .ok_or_else(|| format!("shape {shape:?} is too large (2^64 elements or more)"))?;
    let (big_endian, code) = match descr.as_bytes().first() {
        Some(b'<' | b'|' | b'=') => (false, &descr[1..]),
        Some(b'>') => (true, &descr[1..]),
        _ => (false, descr),
    };
    let dtype = match code {
        // Type strings, and NumPy's one-letter codes for the same types.
        "f4" | "f" => Some(NpyType::F32),
        "f8" | "d" => Some(NpyType::F64),
        "f2" | "e" => Some(NpyType::F16),
        "u2" | "H" => Some(NpyType::U16),
        _ => None,
    };
    Ok(NpyHeader {
        version,
        descr: descr.to_string(),
        dtype,
        big_endian,
        fortran_order,
        shape,
        count,
        data_offset: 0,
    })
}

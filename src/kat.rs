//! Random123 known-answer files: parsing and checking.
//!
//! A line is `NAMExW R CTR... KEY... EXPECTED...` with hex words; `#` starts a
//! comment. Lines of generators other than Philox and Threefry (AES, ARS) are
//! counted as skipped.

use crate::error::Error;
use crate::generator::{Algorithm, block_raw};

/// One parsed known-answer line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KatVector {
    /// The generator, with the line's round count.
    pub algo: Algorithm,
    /// Counter words.
    pub ctr: Vec<u64>,
    /// Key words.
    pub key: Vec<u64>,
    /// Expected output words.
    pub expected: Vec<u64>,
    /// 1-based line number in its file.
    pub line: usize,
}

/// Outcome of checking a file (or several).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KatReport {
    /// Vectors that matched.
    pub passed: usize,
    /// Vectors that did not, one message each.
    pub failures: Vec<String>,
    /// Lines of other generators (AES, ARS, ...).
    pub skipped: usize,
}

/// Parses a known-answer file's text; returns the Philox/Threefry vectors and
/// the number of lines of other generators.
pub fn parse(text: &str, path: &str) -> Result<(Vec<KatVector>, usize), Error> {
    let mut vectors = Vec::new();
    let mut skipped = 0;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let err = |reason: String| Error::KatParse {
            path: path.to_string(),
            line: i + 1,
            reason,
        };
        let mut fields = line.split_whitespace();
        let name = fields.next().unwrap_or("");
        if !(name.starts_with("philox") || name.starts_with("threefry")) {
            skipped += 1;
            continue;
        }
        let rounds: u32 = fields
            .next()
            .ok_or_else(|| err("missing round count".into()))?
            .parse()
            .map_err(|_| err("round count is not a number".into()))?;
        let algo: Algorithm = format!("{name}-{rounds}")
            .parse()
            .map_err(|e: Error| err(e.to_string()))?;
        let words: Vec<u64> = fields
            .map(|w| {
                u64::from_str_radix(w, 16).map_err(|_| err(format!("'{w}' is not a hex word")))
            })
            .collect::<Result<_, _>>()?;
        let n = algo.shape().words();
        let k = algo.key_words();
        if words.len() != 2 * n + k {
            return Err(err(format!(
                "{name} needs {} words, found {}",
                2 * n + k,
                words.len()
            )));
        }
        vectors.push(KatVector {
            algo,
            ctr: words[..n].to_vec(),
            key: words[n..n + k].to_vec(),
            expected: words[n + k..].to_vec(),
            line: i + 1,
        });
    }
    Ok((vectors, skipped))
}

/// Checks every Philox/Threefry vector of a known-answer file's text.
pub fn check_text(text: &str, path: &str) -> Result<KatReport, Error> {
    let (vectors, skipped) = parse(text, path)?;
    let mut report = KatReport {
        skipped,
        ..Default::default()
    };
    for v in &vectors {
        let got = block_raw(v.algo, &v.ctr, &v.key)?;
        if got == v.expected {
            report.passed += 1;
        } else {
            report.failures.push(format!(
                "{path}:{}: {}: expected {}, got {}",
                v.line,
                v.algo,
                hex_words(&v.expected, v.algo),
                hex_words(&got, v.algo)
            ));
        }
    }
    Ok(report)
}

fn hex_words(w: &[u64], algo: Algorithm) -> String {
    let digits = (algo.shape().word_bits() / 4) as usize;
    w.iter()
        .map(|x| format!("{x:0digits$x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Random123's own known-answer vectors (tests/kat_vectors of
/// DEShawResearch/random123), embedded so `cbrng verify` needs no files.
pub const RANDOM123_KAT: &str = include_str!("../tests/data/random123_kat_vectors.txt");

//! Random123 known-answer files: parsing and checking.
//!
//! A line is `NAMExW R CTR... KEY... EXPECTED...` with hex words; `#` starts a
//! comment. Lines of Random123's other generators (AES-NI, ARS) are counted as
//! skipped; any other line is an error with its line number (see [`parse`]).

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

/// Generators of Random123's known-answer files that this crate does not
/// implement: their lines are counted as skipped.
pub const OTHER_GENERATORS: [&str; 2] = ["aesni4x32", "ars4x32"];

/// Parses a known-answer file's text; returns the Philox/Threefry vectors and
/// the number of lines of other Random123 generators ([`OTHER_GENERATORS`]).
///
/// Every line that is not blank or a comment must be a vector: a generator
/// name exactly as Random123 writes it (`philox4x32`, `threefry2x64`, ...,
/// lowercase), a decimal round count (no sign, no leading zero), then the
/// counter, key and expected words as hex words within the generator's word
/// size ([`crate::grammar`]). Anything else is an error naming the file and
/// line, and so is a file with no Philox or Threefry vector at all.
///
/// ```
/// use cbrng::kat::parse;
/// let (v, skipped) = parse("philox2x32 7 00000000 00000000 00000000 257a3673 cd26be2a\n", "f")?;
/// assert_eq!((v.len(), skipped), (1, 0));
/// assert!(parse("root:x:0:0:root:/root:/bin/sh\n", "f").is_err());
/// assert!(parse("Philox2x32 7 00000000 00000000 00000000 257a3673 cd26be2a\n", "f").is_err());
/// assert!(parse("# only a comment\n", "f").is_err());
/// # Ok::<(), cbrng::Error>(())
/// ```
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
        if OTHER_GENERATORS.contains(&name) {
            skipped += 1;
            continue;
        }
        let known = ["philox", "threefry"]
            .iter()
            .flat_map(|f| ["2x32", "4x32", "2x64", "4x64"].map(|s| format!("{f}{s}")))
            .any(|n| n == name);
        if !known {
            return Err(err(format!(
                "{} is not a known-answer line (expected philox|threefry + 2x32|4x32|2x64|4x64, lowercase, or {})",
                crate::grammar::show(name),
                OTHER_GENERATORS.join(", ")
            )));
        }
        let rounds = fields
            .next()
            .ok_or_else(|| err("missing round count".into()))?;
        let rounds =
            crate::grammar::decimal_u64(rounds).map_err(|e| err(format!("round count: {e}")))?;
        let rounds = u32::try_from(rounds).unwrap_or(u32::MAX);
        let algo: Algorithm = format!("{name}-1")
            .parse::<Algorithm>()
            .and_then(|a| Algorithm::new(a.family(), a.shape(), rounds))
            .map_err(|e: Error| err(e.to_string()))?;
        let bits = algo.shape().word_bits();
        let words: Vec<u64> = fields
            .map(|w| crate::grammar::hex_word(w, bits).map_err(err))
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
    if vectors.is_empty() {
        return Err(Error::Io {
            path: path.to_string(),
            reason: "not a known-answer file: no Philox or Threefry vector in it".into(),
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

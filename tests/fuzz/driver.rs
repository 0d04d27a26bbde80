//! A small, deterministic mutation fuzzer that runs on stable Rust as an
//! ordinary test (shared by tests/fuzz.rs and the `cbrng` binary's own
//! tests). It starts from a committed corpus (tests/fuzz/corpus/TARGET/),
//! mutates inputs with a fixed-seed SplitMix64, and keeps an input when the
//! target reports an outcome it has not seen (a cheap stand-in for
//! coverage). A panic in the target fails the test, printing the input in
//! hex and writing it to target/fuzz-failures/TARGET-N.bin.
//!
//! Time per target: `CBRNG_FUZZ_SECS` seconds (default 2; .ci/run sets 8);
//! `CBRNG_FUZZ_SEED` changes the seed. See tests/fuzz/README.md.

#![allow(dead_code)]

use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What a run did.
pub struct Stats {
    pub runs: u64,
    pub outcomes: usize,
    pub corpus: usize,
}

struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The committed corpus of `target`, in file-name order.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

const INTERESTING: [u8; 12] = [
    0, 1, 0x7f, 0x80, 0xff, b'0', b'9', b',', b'\n', b' ', b'\'', b'-',
];

fn mutate(g: &mut Mix, input: &mut Vec<u8>, pool: &[Vec<u8>], dict: &[&[u8]]) {
    for _ in 0..1 + g.below(4) {
        let len = input.len();
        let at = g.below(len + 1);
        match g.below(9) {
            0 if len > 0 => input[at.min(len - 1)] ^= 1 << g.below(8),
            1 if len > 0 => input[at.min(len - 1)] = INTERESTING[g.below(INTERESTING.len())],
            2 if len > 0 => input[at.min(len - 1)] = g.next() as u8,
            3 if !dict.is_empty() => {
                let w = dict[g.below(dict.len())];
                input.splice(at..at, w.iter().copied());
            }
            4 if len > 0 => {
                let end = (at + 1 + g.below(8)).min(len);
                input.drain(at.min(len)..end);
            }
            5 if len > 0 => {
                let from = g.below(len);
                let end = (from + 1 + g.below(16)).min(len);
                let piece = input[from..end].to_vec();
                input.splice(at..at, piece);
            }
            6 if !pool.is_empty() => {
                let other = &pool[g.below(pool.len())];
                let from = g.below(other.len() + 1);
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
            7 => input.truncate(at),
            _ => {
                let n = 1 + g.below(4);
                let bytes: Vec<u8> = (0..n).map(|_| g.next() as u8).collect();
                input.splice(at..at, bytes);
            }
        }
        if input.len() > 1 << 16 {
            input.truncate(1 << 16);
        }
    }
}

fn fail(target: &str, input: &[u8], msg: &str) -> ! {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
    let path = dir.join(format!("{target}-{n}.bin"));
    let _ = std::fs::write(&path, input);
    let hex: String = input.iter().map(|b| format!("{b:02x}")).collect();
    panic!(
        "fuzz target {target} failed: {msg}\ninput (saved to {}): {hex}",
        path.display()
    );
}

/// Runs `target` on every corpus input, then on mutants until the time is
/// up. `target` returns a short outcome label (inputs with new labels join
/// the pool) and panics on a violated property.
pub fn fuzz(target: &str, dict: &[&[u8]], mut run: impl FnMut(&[u8]) -> String) -> Stats {
    let secs = env_u64("CBRNG_FUZZ_SECS", 2);
    let seed = env_u64("CBRNG_FUZZ_SEED", 18);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut pool = corpus(target);
    assert!(!pool.is_empty(), "empty corpus for {target}");
    let mut seen = HashSet::new();
    let mut g = Mix(seed
        ^ target
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31) ^ u64::from(b)));
    let mut runs = 0u64;
    let mut once = |input: &[u8], seen: &mut HashSet<String>| -> bool {
        runs += 1;
        match catch_unwind(AssertUnwindSafe(|| run(input))) {
            Ok(label) => seen.insert(label),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                fail(target, input, &msg)
            }
        }
    };
    for input in pool.clone() {
        once(&input, &mut seen);
    }
    // Quiet the default hook's backtraces for caught panics? No: a panic is a failure.
    while Instant::now() < deadline {
        for _ in 0..64 {
            let mut input = pool[g.below(pool.len())].clone();
            mutate(&mut g, &mut input, &pool, dict);
            if once(&input, &mut seen) && pool.len() < 4096 {
                pool.push(input);
            }
        }
    }
    let stats = Stats {
        runs,
        outcomes: seen.len(),
        corpus: pool.len(),
    };
    println!(
        "fuzz {target}: {} runs in {secs} s, {} outcomes, pool {}",
        stats.runs, stats.outcomes, stats.corpus
    );
    stats
}

/// An error message must be one printable ASCII line.
pub fn one_line(msg: &str) {
    assert!(
        !msg.is_empty() && msg.chars().all(|c| (' '..='~').contains(&c)),
        "message not one printable line: {msg:?}"
    );
}

/// A label for an error message: its words up to the first quote or digit,
/// so messages that differ only in values share a label.
pub fn label(prefix: &str, msg: &str) -> String {
    let cut = msg
        .find(|c: char| c == '\'' || c == '"' || c.is_ascii_digit())
        .unwrap_or(msg.len());
    format!("{prefix}: {}", &msg[..cut])
}

/// A message the program prints must be one line: no control characters
/// (printable non-ASCII, as in a file name, may stay).
pub fn no_control(msg: &str) {
    assert!(
        !msg.is_empty() && !msg.chars().any(char::is_control),
        "message not one line: {msg:?}"
    );
}

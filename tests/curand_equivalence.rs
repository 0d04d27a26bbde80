//! philox4x32-10 against cuRAND's device API, without a GPU.
//!
//! `tests/data/curand_philox4x32_10.txt` holds what
//! `curand_init(seed, subsequence, offset, &st); curand(&st)` (x n) returns for
//! `curandStatePhilox4_32_10_t`, computed by NVIDIA's own header code compiled
//! for the host (see `tests/data/curand/make_vectors.sh` and the file's header).
//! The crate's claim: that is the raw u32 stream of philox4x32-10 for
//! (seed, stream id = subsequence, element = offset).

use cbrng::{Algorithm, Stream};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/curand_philox4x32_10.txt"
);

struct Case {
    line: usize,
    seed: u64,
    subsequence: u64,
    offset: u64,
    values: Vec<u32>,
}

fn parse(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let bad = |what: &str| -> ! { panic!("{DATA}:{}: {what}: {raw:?}", i + 1) };
        if f.len() < 4 {
            bad("fewer than 4 columns");
        }
        let num = |s: &str| {
            s.parse::<u64>()
                .unwrap_or_else(|_| bad("not a decimal u64"))
        };
        let n = num(f[3]) as usize;
        if n == 0 || f.len() != 4 + n {
            bad("value count does not match n");
        }
        let values = f[4..]
            .iter()
            .map(|h| {
                if h.len() != 8 {
                    bad("value is not 8 hex digits");
                }
                u32::from_str_radix(h, 16).unwrap_or_else(|_| bad("value is not hex"))
            })
            .collect();
        cases.push(Case {
            line: i + 1,
            seed: num(f[0]),
            subsequence: num(f[1]),
            offset: num(f[2]),
            values,
        });
    }
    cases
}

#[test]
fn philox4x32_10_matches_curand_device_api() {
    let text = std::fs::read_to_string(DATA).expect("cuRAND vector file is part of the repository");
    let cases = parse(&text);

    // The file must be substantial and reach the interesting parts of the
    // counter: subsequences and offsets past 32 bits, offsets not a multiple of 4.
    assert!(cases.len() >= 100, "only {} vectors in {DATA}", cases.len());
    assert!(cases.iter().any(|c| c.subsequence > u64::from(u32::MAX)));
    assert!(cases.iter().any(|c| c.subsequence == u64::MAX));
    assert!(cases.iter().any(|c| c.offset / 4 > u64::from(u32::MAX)));
    assert!(cases.iter().any(|c| c.seed > u64::from(u32::MAX)));
    for w in 0..4 {
        assert!(
            cases.iter().any(|c| c.offset % 4 == w),
            "no offset = {w} mod 4"
        );
    }

    let mut failures = Vec::new();
    for c in &cases {
        let s = Stream::from_seed(Algorithm::PHILOX4X32_10, c.seed, c.subsequence)
            .unwrap_or_else(|e| panic!("line {}: Stream::from_seed: {e:?}", c.line));
        let mut got = vec![0u32; c.values.len()];
        s.fill_u32(c.offset.into(), &mut got)
            .unwrap_or_else(|e| panic!("line {}: fill_u32: {e:?}", c.line));
        if got != c.values {
            failures.push(format!(
                "line {}: seed {} subsequence {} offset {}: cuRAND {:08x?}, cbrng {:08x?}",
                c.line, c.seed, c.subsequence, c.offset, c.values, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cuRAND vectors differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn a_corrupted_vector_is_caught() {
    // The comparison is not vacuous: flipping one bit of one expected value
    // makes the crate's output differ.
    let text = std::fs::read_to_string(DATA).unwrap();
    let mut cases = parse(&text);
    let mid = cases.len() / 2;
    let c = &mut cases[mid];
    c.values[3] ^= 1 << 17;
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, c.seed, c.subsequence).unwrap();
    let mut got = vec![0u32; c.values.len()];
    s.fill_u32(c.offset.into(), &mut got).unwrap();
    assert_ne!(got, c.values);
}

//! The stream contract is a promise across versions: outputs frozen in
//! tests/data/contract_v1.txt (every generator, every distribution and dtype,
//! seeds, stream ids and offsets beyond 2^32) must never change, and neither
//! may those that version 2 adds (tests/data/contract_v2.txt: the
//! inverse-CDF continuous distributions and the normal in f16/bf16, checked
//! against mpmath by tests/data/check_contract_v2.py).
use cbrng::dist::{DType, Distribution, Element};
use cbrng::{Algorithm, Stream};
use half::{bf16, f16};

fn hex<T: Element>(
    s: &Stream,
    d: &Distribution,
    off: u64,
    n: usize,
    bits: impl Fn(T) -> u64,
) -> Vec<String> {
    let mut v = vec![T::default(); n];
    s.fill(d, off.into(), &mut v).unwrap();
    let digits = 2 * T::DTYPE.size();
    v.into_iter()
        .map(|x| format!("{:0digits$x}", bits(x)))
        .collect()
}

/// Checks every line of a contract file; returns the number of lines.
fn check_file(name: &str) -> usize {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (lhs, rhs) = line.split_once(" : ").unwrap();
        let f: Vec<&str> = lhs.split_whitespace().collect();
        let algo: Algorithm = f[0].parse().unwrap();
        let s = Stream::from_seed(algo, f[1].parse().unwrap(), f[2].parse().unwrap()).unwrap();
        let offset: u64 = f[3].parse().unwrap();
        let d: Distribution = f[4].parse().unwrap();
        let dtype: DType = f[5].parse().unwrap();
        let want: Vec<&str> = rhs.split_whitespace().collect();
        let n = want.len();
        let got = match dtype {
            DType::U32 => hex::<u32>(&s, &d, offset, n, u64::from),
            DType::U64 => hex::<u64>(&s, &d, offset, n, |x| x),
            DType::F32 => hex::<f32>(&s, &d, offset, n, |x| x.to_bits().into()),
            DType::F64 => hex::<f64>(&s, &d, offset, n, f64::to_bits),
            DType::F16 => hex::<f16>(&s, &d, offset, n, |x| x.to_bits().into()),
            DType::BF16 => hex::<bf16>(&s, &d, offset, n, |x| x.to_bits().into()),
            DType::U8 => hex::<u8>(&s, &d, offset, n, u64::from),
            DType::I32 => hex::<i32>(&s, &d, offset, n, |x| u64::from(x as u32)),
            DType::I64 => hex::<i64>(&s, &d, offset, n, |x| x as u64),
            DType::Bool => hex::<bool>(&s, &d, offset, n, u64::from),
        };
        assert_eq!(got, want, "{line}");
        lines += 1;
    }
    lines
}

#[test]
fn outputs_match_the_frozen_contract_v1_vectors() {
    // 10 generators x 3 (seed, stream, offset) x 19 (distribution, dtype).
    assert_eq!(check_file("contract_v1.txt"), 10 * 3 * 19);
}

#[test]
fn outputs_match_the_frozen_contract_v2_vectors() {
    // 10 generators x 3 (seed, stream, offset) x 39 (distribution, dtype):
    // the 7 signed and bool pairs, then the 32 continuous ones.
    assert_eq!(check_file("contract_v2.txt"), 10 * 3 * 39);
}

#[test]
fn outputs_match_the_frozen_contract_v3_vectors() {
    // 10 generators x 3 (seed, stream, offset) x the v3 pairs.
    let pairs = cbrng::check::distributions_v3().len();
    assert_eq!(check_file("contract_v3.txt"), 10 * 3 * pairs);
}

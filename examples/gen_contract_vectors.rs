//! Writes tests/data/contract_v1.txt (or, with the argument `2` or `3`,
//! contract_v2.txt or contract_v3.txt): frozen outputs of every generator and every
//! (distribution, dtype) of stream contract v1 (the pairs v2 adds), at a few
//! seeds, stream ids and offsets. Run once per contract version:
//! `cargo run --release --example gen_contract_vectors > tests/data/contract_v1.txt`,
//! `cargo run --release --example gen_contract_vectors 2 > tests/data/contract_v2.txt`,
//! `cargo run --release --example gen_contract_vectors 3 > tests/data/contract_v3.txt`
//! (v2 is checked against mpmath by tests/data/check_contract_v2.py).
//! The test tests/contract_vectors.rs checks the crate against the file, so a
//! change to any definition cannot pass unnoticed.
use cbrng::check::{distributions_v1, distributions_v2, distributions_v3};
use cbrng::dist::{DType, Distribution, Element};
use cbrng::{Algorithm, Stream};
use half::{bf16, f16};

fn hex<T: Element>(
    s: &Stream,
    d: &Distribution,
    off: u64,
    n: usize,
    bits: impl Fn(T) -> u64,
) -> String {
    let mut v = vec![T::default(); n];
    s.fill(d, off.into(), &mut v).expect("valid case");
    let digits = 2 * T::DTYPE.size();
    v.into_iter()
        .map(|x| format!("{:0digits$x}", bits(x)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() {
    let arg = std::env::args().nth(1);
    let (version, pairs) = match arg.as_deref() {
        Some("2") => (2, distributions_v2()),
        Some("3") => (3, distributions_v3()),
        _ => (1, distributions_v1()),
    };
    println!(
        "# Frozen outputs of cbrng stream contract v{version} (examples/gen_contract_vectors.rs{}).",
        if version > 1 {
            format!(" {version}")
        } else {
            String::new()
        }
    );
    println!(
        "# algorithm seed stream offset distribution dtype : elements as hex bits (as `cbrng fill --format hex`)"
    );
    let mut algos = Algorithm::all_default().to_vec();
    algos.push("philox4x32-7".parse().unwrap());
    algos.push("threefry4x64-13".parse().unwrap());
    for algo in algos {
        // 2x32 streams are short (2^32 blocks): far cases stay inside them.
        let small = algo.shape().words() == 2 && algo.shape().word_bits() == 32;
        let (big_id, far) = if small {
            (4_000_000_000, 1_000_000_001)
        } else {
            (1 << 40, (1 << 32) + 1)
        };
        for (seed, stream, offset) in [
            (0u64, 0u64, 0u64),
            (0x0123_4567, 3, 5),
            (0xffff_ffff, big_id, far),
        ] {
            let s = Stream::from_seed(algo, seed, stream).expect("valid");
            for &(d, dtype) in &pairs {
                let n = 6;
                let line = match dtype {
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
                println!("{algo} {seed} {stream} {offset} {d} {dtype} : {line}");
            }
        }
    }
}

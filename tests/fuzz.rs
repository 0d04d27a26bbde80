//! Fuzz targets kept in the test suite (issue 18): the exact-sum state
//! readers and merge, the .npy header reader and the KAT parser. Each runs
//! its committed corpus (every reproducer of issue 18 among it), then
//! mutants for `CBRNG_FUZZ_SECS` seconds. The CLI argument target lives
//! with the program (src/bin/cbrng/main.rs, `fuzz_cli`). How to run them
//! longer: tests/fuzz/README.md.
#[path = "fuzz/driver.rs"]
mod driver;

use cbrng::Error;
use cbrng::reduce::{Accumulator, DEVICE_STATE_WORDS, MAX_TERMS};
use driver::{fuzz, label, one_line};

fn err_label(prefix: &str, e: &Error) -> String {
    let msg = e.to_string();
    one_line(&msg);
    label(prefix, &msg)
}

/// Properties of any state a reader accepted.
fn check_state(a: &Accumulator) {
    let bytes = a.to_bytes();
    let b = Accumulator::from_bytes(&bytes).expect("a state's own bytes read back");
    assert_eq!(&b, a);
    assert_eq!(b.to_bytes(), bytes, "canonical bytes");
    assert!(a.count() <= MAX_TERMS);
    let _ = (
        a.finish::<f64>(),
        a.finish::<f32>(),
        a.finish_mean::<f64>(),
        a.finish_sqrt::<f64>(),
    );
}

fn merge_checked(a: &Accumulator, b: &Accumulator) -> String {
    let mut ab = a.clone();
    let r = ab.merge(b);
    let mut ba = b.clone();
    let r2 = ba.merge(a);
    match (r, r2) {
        (Ok(()), Ok(())) => {
            assert_eq!(ab, ba, "merge is commutative");
            assert_eq!(ab.count(), a.count() + b.count());
            check_state(&ab);
            "merged".into()
        }
        (Err(Error::Overflow { .. }), Err(Error::Overflow { .. })) => {
            assert!(u128::from(a.count()) + u128::from(b.count()) > u128::from(MAX_TERMS));
            assert_eq!(&ab, a, "a failed merge changes nothing");
            "overflow".into()
        }
        (x, y) => panic!("merge outcomes differ or are wrong: {x:?} / {y:?}"),
    }
}

/// Input: mode byte, then a state as bytes (0), device words (1), or two
/// states split at a 16-bit position (2), merged both ways and repeatedly.
fn state_target(input: &[u8]) -> String {
    let Some((&mode, rest)) = input.split_first() else {
        return "empty".into();
    };
    match mode % 3 {
        0 => match Accumulator::from_bytes(rest) {
            Ok(a) => {
                check_state(&a);
                assert_eq!(a.to_bytes(), rest, "an accepted state is canonical");
                "bytes ok".into()
            }
            Err(e) => err_label("bytes", &e),
        },
        1 => {
            let mut words = [0u64; DEVICE_STATE_WORDS];
            for (w, c) in words.iter_mut().zip(rest.chunks(8)) {
                let mut b = [0u8; 8];
                b[..c.len()].copy_from_slice(c);
                *w = u64::from_le_bytes(b);
            }
            // Short inputs set the count and flags words too.
            if rest.len() < 8 * DEVICE_STATE_WORDS && rest.len() >= 16 {
                words[DEVICE_STATE_WORDS - 2] = u64::from_le_bytes(rest[..8].try_into().unwrap());
                words[DEVICE_STATE_WORDS - 1] = u64::from(rest[8] & 15);
            }
            match Accumulator::from_device_state(&words) {
                Ok(a) => {
                    check_state(&a);
                    "device ok".into()
                }
                Err(e) => err_label("device", &e),
            }
        }
        _ => {
            if rest.len() < 2 {
                return "short".into();
            }
            let at = usize::from(u16::from_le_bytes([rest[0], rest[1]])) % (rest.len() - 1);
            let (x, y) = rest[2..].split_at(at.min(rest.len() - 2));
            match (Accumulator::from_bytes(x), Accumulator::from_bytes(y)) {
                (Ok(a), Ok(b)) => {
                    let out = merge_checked(&a, &b);
                    // The 95 self-merges: exact or an overflow, never wrong.
                    let mut s = a.clone();
                    for _ in 0..95 {
                        let t = s.clone();
                        if s.merge(&t).is_err() {
                            break;
                        }
                        check_state(&s);
                    }
                    out
                }
                (Err(e), _) | (_, Err(e)) => err_label("pair", &e),
            }
        }
    }
}

#[test]
fn fuzz_state_reader_and_merge() {
    let s = fuzz(
        "state",
        &[b"CBRNGACC\x01\x00", &[0xff; 8], &[0; 8], &[0, 0, 0, 0x80]],
        state_target,
    );
    assert!(s.outcomes > 5, "the corpus reaches few outcomes");
}

fn npy_target(input: &[u8]) -> String {
    match cbrng::npy::read_header(&mut &input[..]) {
        Ok(h) => {
            let product = h.shape.iter().try_fold(1u64, |c, &d| c.checked_mul(d));
            assert_eq!(product, Some(h.count));
            assert!(h.data_offset as usize <= input.len());
            assert!(matches!(h.version, (1, 0) | (2, 0) | (3, 0)));
            format!("ok {:?} {}", h.dtype, h.shape.len())
        }
        Err(e) => {
            one_line(&e);
            label("npy", &e)
        }
    }
}

#[test]
fn fuzz_npy_header_reader() {
    let dict: &[&[u8]] = &[
        b"'descr'",
        b"'shape'",
        b"'fortran_order'",
        b"True",
        b"False",
        b"(4,)",
        b"'<f4'",
        b"\"",
        b"L",
        b"\x93NUMPY\x01\x00",
        b"\x93NUMPY\x03\x00",
        b", ",
        b": ",
        b"}",
        b"{",
        b"_",
        b"u'",
    ];
    let s = fuzz("npy", dict, npy_target);
    assert!(s.outcomes > 10, "the corpus reaches few outcomes");
}

fn kat_target(input: &[u8]) -> String {
    let text = String::from_utf8_lossy(input);
    match cbrng::kat::parse(&text, "f.kat") {
        Ok((vectors, _)) => {
            assert!(!vectors.is_empty());
            for v in &vectors {
                let bits = v.algo.shape().word_bits();
                assert!(
                    v.ctr
                        .iter()
                        .chain(&v.key)
                        .chain(&v.expected)
                        .all(|&w| bits == 64 || w >> bits == 0)
                );
            }
            let r = cbrng::kat::check_text(&text, "f.kat").expect("parsed, so checked");
            for f in &r.failures {
                one_line(f);
            }
            format!("ok {}", r.failures.is_empty())
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with("f.kat"), "{msg}");
            one_line(&msg.replace('\u{fffd}', "?"));
            // Label by the reason, after "f.kat:LINE: ".
            let reason = msg.splitn(3, ':').nth(2).unwrap_or(&msg);
            label("kat", reason.trim_start())
        }
    }
}

#[test]
fn fuzz_kat_parser() {
    let dict: &[&[u8]] = &[
        b"philox4x32 ",
        b"threefry2x64 ",
        b"ars4x32 ",
        b" 10 ",
        b" 0x",
        b" +",
        b"ffffffff",
        b"#",
        b"\n",
        b" 00000000",
    ];
    let s = fuzz("kat", dict, kat_target);
    assert!(s.outcomes > 5, "the corpus reaches few outcomes");
}

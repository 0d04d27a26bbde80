//! Key derivation: different paths give unrelated keys; the function is fixed.
use cbrng::derive::{DerivedKey, Label};
use cbrng::{Algorithm, Key, Stream};
use std::collections::HashSet;

fn root() -> Key {
    Key::from_seed(Algorithm::PHILOX4X32_10, 1234).unwrap()
}

#[test]
fn distinct_paths_give_distinct_keys() {
    let r = root();
    let mut seen = HashSet::new();
    // The classic collision: base_seed + worker_id. Here (run, worker) pairs never meet.
    for run in 0..40u64 {
        for worker in 0..40u64 {
            assert!(seen.insert(DerivedKey::new(&r, &[run.into(), worker.into()]).words()));
        }
    }
    // Prefix-free encoding: splitting or joining labels changes the key.
    let (x32, x33) = ("x".repeat(32), "x".repeat(33));
    let paths: Vec<Vec<Label>> = vec![
        vec![],
        vec!["ab".into()],
        vec!["a".into(), "b".into()],
        vec!["ab".into(), "".into()],
        vec!["".into(), "ab".into()],
        vec![Label::Int(0)],
        vec![Label::Str("")],
        vec![Label::Str("\0\0\0\0\0\0\0\0")],
        vec![Label::Str(&x32)],
        vec![Label::Str(&x33)],
    ];
    for p in &paths {
        assert!(
            seen.insert(DerivedKey::new(&r, p).words()),
            "{p:?} collided"
        );
    }
    // Parents of other widths with the same leading words differ too.
    let wide = Key::from_words("threefry4x32".parse().unwrap(), &[1234, 0, 0, 0]).unwrap();
    assert_ne!(DerivedKey::new(&wide, &[]), DerivedKey::new(&r, &[]));
}

#[test]
fn one_bit_of_input_flips_about_half_the_output() {
    let r = root();
    let mut total = 0u32;
    let trials = 256u64;
    for v in 0..trials {
        let a = DerivedKey::new(&r, &["layer".into(), v.into()]).words();
        let b = DerivedKey::new(&r, &["layer".into(), (v ^ 1).into()]).words();
        total += a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x ^ y).count_ones())
            .sum::<u32>();
    }
    let mean = f64::from(total) / trials as f64;
    // 256 output bits: mean 128, sd of the mean 8/sqrt(256) = 0.5.
    assert!((mean - 128.0).abs() < 4.0, "mean flipped bits {mean}");
}

#[test]
fn child_keys_fit_every_generator_and_chain() {
    let d = DerivedKey::new(&root(), &["dropout".into(), 3u64.into()]);
    for algo in Algorithm::all_default() {
        let k = d.key_for(algo);
        assert_eq!(k.words().len(), algo.key_words());
        assert!(Stream::new(algo, k, 0).is_ok());
    }
    let w = d.words();
    let k = d.key_for("philox4x32".parse().unwrap());
    assert_eq!(k.words(), &[w[0] & 0xffff_ffff, w[0] >> 32]);
    // child(path) is derivation with the derived key as parent.
    assert_ne!(d.child(&[1u64.into()]), d);
    assert_eq!(d.child(&[1u64.into()]), d.child(&[1u64.into()]));
}

/// The derivation is part of the stream contract: its outputs are frozen in a
/// data file (tests/data/derive_v1.txt), so a change cannot go unnoticed.
#[test]
fn derived_keys_match_the_frozen_vectors() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/derive_v1.txt"
    ))
    .unwrap();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (lhs, rhs) = line.split_once(" => ").unwrap();
        let mut parts = lhs.split_whitespace();
        let parent: Vec<u64> = parts
            .next()
            .unwrap()
            .split(',')
            .map(|w| u64::from_str_radix(w, 16).unwrap())
            .collect();
        let algo: Algorithm = match parent.len() {
            1 => "philox2x64".parse().unwrap(),
            2 => "philox4x64".parse().unwrap(),
            _ => "threefry4x64".parse().unwrap(),
        };
        let key = Key::from_words(algo, &parent).unwrap();
        let labels: Vec<Label> = parts
            .map(|p| match p.strip_prefix("s:") {
                Some(s) => Label::Str(s),
                None => Label::Int(p.strip_prefix("i:").unwrap().parse().unwrap()),
            })
            .collect();
        let want: Vec<u64> = rhs
            .split_whitespace()
            .map(|w| u64::from_str_radix(w, 16).unwrap())
            .collect();
        assert_eq!(
            DerivedKey::new(&key, &labels).words().to_vec(),
            want,
            "{line}"
        );
        n += 1;
    }
    assert!(n >= 8);
}

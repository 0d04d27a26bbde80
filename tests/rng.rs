//! The rand_core adapters walk exactly the contract's stream.
use cbrng::rng::{CounterRng, Philox2x32Rng, Philox4x32Rng, Threefry2x64Rng, Threefry4x64Rng};
use cbrng::{Algorithm, Key, Stream, generator};
use rand::RngExt;
use rand_core::{Rng, SeedableRng};

#[test]
fn seed_from_u64_is_the_contract_seed_mapping() {
    let mut rng = Philox4x32Rng::seed_from_u64(0xdead_beef_0000_0001);
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 0xdead_beef_0000_0001, 0).unwrap();
    let mut want = [0u32; 100];
    s.fill_u32(0, &mut want).unwrap();
    let got: Vec<u32> = (0..100).map(|_| rng.next_u32()).collect();
    assert_eq!(got, want);
}

#[test]
fn from_seed_takes_little_endian_key_words() {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = i as u8 * 7 + 1;
    }
    let mut rng = Threefry4x64Rng::from_seed(seed);
    let algo: Algorithm = "threefry4x64-20".parse().unwrap();
    let words: Vec<u64> = seed
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let s = Stream::new(algo, Key::from_words(algo, &words).unwrap(), 0).unwrap();
    let mut want = [0u64; 10];
    s.fill_u64(0, &mut want).unwrap();
    let got: Vec<u64> = (0..10).map(|_| rng.next_u64()).collect();
    assert_eq!(got, want);
}

#[test]
fn seek_beyond_u64_positions_and_rand_distributions() {
    // The u32 view of a 2x64 stream holds 2^66 elements: positions are u128.
    let mut a = Threefry2x64Rng::seed_from_u64(5).with_stream(9).unwrap();
    let s = Stream::from_seed("threefry2x64".parse().unwrap(), 5, 9).unwrap();
    let pos = (1u128 << 65) + 3;
    a.seek(pos).unwrap();
    let got: Vec<u32> = (0..3).map(|_| a.next_u32()).collect();
    let want: Vec<u32> = (0..3)
        .map(|k| cbrng::check::reference_u32(&s, pos + k))
        .collect();
    assert_eq!(got, want);
    assert_eq!(a.position(), pos + 3);
    assert_eq!(a.remaining(), (1u128 << 66) - pos - 3);

    // rand's distributions draw from the same words.
    let mut b = Philox4x32Rng::new(1, 2, 10).unwrap();
    let u: f64 = b.random();
    assert!((0.0..1.0).contains(&u));
    assert_eq!(b.position(), 2, "an f64 takes one u64 = two u32 elements");
    let k = b.random_range(0..10u32);
    assert!(k < 10);
}

#[test]
fn philox2x32_contract_constructor_rejects_wide_seeds() {
    assert!(Philox2x32Rng::new(1 << 32, 0, 10).is_err());
    assert!(
        Philox2x32Rng::new(7, 1 << 32, 10).is_err(),
        "2x32 stream ids are < 2^32"
    );
    let mut r = Philox2x32Rng::new(7, 3, 10).unwrap();
    // The end of a 2x32 stream: 2^33 u32 elements.
    assert_eq!(r.remaining(), 1 << 33);
    r.seek(1 << 33).unwrap();
    assert_eq!(r.remaining(), 0);
    assert!(r.seek((1 << 33) + 1).is_err());
}

#[test]
#[should_panic(expected = "end of the philox2x32-10 stream")]
fn reading_past_the_end_panics_with_a_clear_message() {
    let mut r = Philox2x32Rng::new(7, 3, 10).unwrap();
    r.seek(1 << 33).unwrap();
    r.next_u32();
}

#[test]
fn from_stream_checks_the_generator_type() {
    let s = Stream::from_seed("philox4x64".parse().unwrap(), 1, 0).unwrap();
    assert!(CounterRng::<generator::Philox4x32>::from_stream(&s).is_err());
    assert!(CounterRng::<generator::Philox4x64>::from_stream(&s).is_ok());
}

#[test]
fn fill_bytes_long_and_short_agree_with_the_stream() {
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 77, 1).unwrap();
    let mut want = vec![0u32; 3000];
    s.fill_u32(0, &mut want).unwrap();
    let want_bytes: Vec<u8> = want.iter().flat_map(|w| w.to_le_bytes()).collect();
    let mut r = Philox4x32Rng::new(77, 1, 10).unwrap();
    let mut head = [0u8; 5]; // 2 words consumed
    r.fill_bytes(&mut head);
    let mut big = vec![0u8; 4000]; // 1000 words, bypasses the buffer
    r.fill_bytes(&mut big);
    assert_eq!(head[..], want_bytes[..5]);
    assert_eq!(big[..], want_bytes[8..4008]);
    assert_eq!(r.next_u32(), want[1002]);
}

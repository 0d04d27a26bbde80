//! rand_chacha's API on the rand_core generators (issue 15): stream and word
//! position getters and setters against `Stream::fill`, equality, and serde
//! checkpoints (feature `serde`).
use cbrng::rng::{Philox2x32Rng, Philox4x32Rng, Threefry4x64Rng};
use cbrng::{Algorithm, Stream};
use rand_core::{Rng, SeedableRng};

fn elements(algo: Algorithm, seed: u64, id: u64, at: u128, n: usize) -> Vec<u32> {
    let s = Stream::from_seed(algo, seed, id).unwrap();
    let mut v = vec![0u32; n];
    s.fill_u32(at, &mut v).unwrap();
    v
}

fn next(r: &mut impl Rng, n: usize) -> Vec<u32> {
    (0..n).map(|_| r.next_u32()).collect()
}

#[test]
fn word_pos_and_stream_match_the_fill() {
    let mut r = Threefry4x64Rng::seed_from_u64(11);
    assert_eq!((r.get_stream(), r.get_word_pos()), (0, 0));
    let far = (1u128 << 66) + 5; // past 2^64: positions are u128
    r.set_word_pos(far).unwrap();
    assert_eq!(r.get_word_pos(), far);
    assert_eq!(
        next(&mut r, 9),
        elements(Algorithm::THREEFRY4X64_20, 11, 0, far, 9)
    );
    assert_eq!(r.get_word_pos(), far + 9);
    // set_stream keeps the position, as rand_chacha's does.
    r.set_stream(1 << 40).unwrap();
    assert_eq!((r.get_stream(), r.get_word_pos()), (1 << 40, far + 9));
    assert_eq!(
        next(&mut r, 300),
        elements(Algorithm::THREEFRY4X64_20, 11, 1 << 40, far + 9, 300)
    );
    // The end of the stream is a position; past it is an error, no change.
    let end = 1u128 << 67;
    r.set_word_pos(end).unwrap();
    assert!(r.set_word_pos(end + 1).is_err());
    assert_eq!(r.get_word_pos(), end);
    // A stream id past the limit (2x32: 2^32 streams) is an error, no change.
    let mut p = Philox2x32Rng::new(3, 5, 10).unwrap();
    p.set_word_pos(77).unwrap();
    assert!(p.set_stream(1 << 32).is_err());
    assert_eq!((p.get_stream(), p.get_word_pos()), (5, 77));
    p.set_stream((1 << 32) - 1).unwrap();
    assert_eq!(
        next(&mut p, 4),
        elements(Algorithm::PHILOX2X32_10, 3, (1 << 32) - 1, 77, 4)
    );
}

#[test]
fn equal_when_they_will_give_the_same_numbers() {
    let a = Philox4x32Rng::seed_from_u64(1);
    let mut b = Philox4x32Rng::seed_from_u64(1);
    assert_eq!(a, b);
    b.next_u32();
    assert_ne!(a, b);
    let mut c = a.clone();
    c.set_word_pos(1).unwrap();
    assert_eq!(b, c); // one buffered, one not: the same position
    assert_ne!(a, Philox4x32Rng::seed_from_u64(2));
    assert_ne!(a, a.clone().with_stream(1).unwrap());
    assert_ne!(a, Philox4x32Rng::new(1, 0, 7).unwrap()); // other rounds
}

#[cfg(feature = "serde")]
#[test]
fn serde_checkpoint_round_trips() {
    let mut r = Philox4x32Rng::new(0x1234_5678_9abc, 3, 7).unwrap();
    next(&mut r, 1001);
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(
        json,
        r#"{"algorithm":"philox4x32-7","key":[1450744508,4660],"stream":3,"word_pos":1001}"#
    );
    let mut back: Philox4x32Rng = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    assert_eq!(next(&mut back, 50), next(&mut r, 50));
    // Positions past 2^64 survive.
    let mut t = Threefry4x64Rng::seed_from_u64(9);
    t.set_word_pos((1 << 66) + 3).unwrap();
    let back: Threefry4x64Rng = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
    assert_eq!(back.get_word_pos(), (1 << 66) + 3);
    // Bad states are errors: another generator type, a bad key, stream or position.
    for bad in [
        r#"{"algorithm":"threefry4x32-20","key":[1,2,3,4],"stream":0,"word_pos":0}"#,
        r#"{"algorithm":"philox4x32-10","key":[1],"stream":0,"word_pos":0}"#,
        r#"{"algorithm":"philox4x32-10","key":[1,4294967296],"stream":0,"word_pos":0}"#,
        r#"{"algorithm":"philox4x32-10","key":[1,2],"stream":0,"word_pos":295147905179352825857}"#,
        r#"{"algorithm":"philox4x32-10","key":[1,2],"stream":0,"word_pos":0,"extra":1}"#,
    ] {
        assert!(serde_json::from_str::<Philox4x32Rng>(bad).is_err(), "{bad}");
    }
}

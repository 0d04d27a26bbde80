//! The library's front-door API (issue 15): `Generator`, the `Dist` alias
//! beside rand's `Distribution`, the seed_from_u64 documentation's claim.
use cbrng::dist::DType;
use cbrng::{Algorithm, Dist, Error, Generator, Stream};
#[allow(unused_imports)]
use rand::distr::Distribution; // no clash with cbrng::Dist
use rand_core::SeedableRng;

fn whole<T: cbrng::dist::Element>(dist: &Dist, offset: u128, n: usize) -> Vec<T> {
    let s = Stream::from_seed(Algorithm::THREEFRY4X64_20, 5, 9).unwrap();
    let mut v = vec![T::default(); n];
    s.fill(dist, offset, &mut v).unwrap();
    v
}

#[test]
fn generator_calls_of_one_dtype_are_consecutive_slices() {
    let mut g = Generator::new(Algorithm::THREEFRY4X64_20, 5, 9).unwrap();
    let normal = Dist::Normal {
        mean: 1.0,
        std: 2.0,
    };
    let mut got: Vec<f64> = Vec::new();
    for n in [0, 1, 7, 100, 3] {
        got.extend(g.random::<f64>(&normal, n).unwrap());
    }
    assert_eq!(got, whole::<f64>(&normal, 0, 111));
    assert_eq!(g.word_pos(), 222);
    // u8 bits: four to a u32 element; a call ending inside one moves past it.
    let mut g = Generator::new(Algorithm::THREEFRY4X64_20, 5, 9).unwrap();
    let a: Vec<u8> = g.random(&Dist::Bits, 5).unwrap();
    assert_eq!(g.word_pos(), 2);
    let b: Vec<u8> = g.random(&Dist::Bits, 4).unwrap();
    assert_eq!(g.word_pos(), 3);
    let w = whole::<u8>(&Dist::Bits, 0, 12);
    assert_eq!(a, w[..5]);
    assert_eq!(b, w[8..12]);
}

#[test]
fn generator_mixed_dtypes_round_up_to_whole_elements() {
    let mut g = Generator::new(Algorithm::THREEFRY4X64_20, 5, 9).unwrap();
    let x: Vec<f32> = g.random(&Dist::Uniform, 3).unwrap(); // u32 elements 0..3
    let y: Vec<u64> = g.random(&Dist::Bits, 2).unwrap(); // u64 elements 2, 3 (u32 4..8)
    assert_eq!(g.word_pos(), 8);
    let z: Vec<u64> = g.random(&Dist::Int { lo: 3, hi: 1 << 60 }, 1).unwrap(); // u64 el. 4, 5 -> int el. 2
    assert_eq!(g.word_pos(), 12);
    assert_eq!(x, whole::<f32>(&Dist::Uniform, 0, 3));
    assert_eq!(y, whole::<u64>(&Dist::Bits, 2, 2));
    assert_eq!(z, whole::<u64>(&Dist::Int { lo: 3, hi: 1 << 60 }, 2, 1));
    assert_eq!(
        Dist::Int { lo: 3, hi: 1 << 60 }
            .prepare(DType::U64)
            .unwrap()
            .layout,
        cbrng::dist::Layout::U64 { per_element: 2 }
    );
}

#[test]
fn generator_errors_do_not_move_the_position() {
    let mut g = Generator::new(Algorithm::PHILOX2X32_10, 5, 9).unwrap();
    let len = 1u128 << 33; // u32 elements in a 2x32 stream: 2^32 blocks of 2
    g.set_word_pos(len - 2).unwrap();
    assert!(matches!(
        g.random::<u32>(&Dist::Bits, 3),
        Err(Error::PastEndOfStream { .. })
    ));
    assert_eq!(g.word_pos(), len - 2);
    assert!(g.random::<f32>(&Dist::Bernoulli { p: 0.5 }, 1).is_err()); // bad dtype
    assert_eq!(g.word_pos(), len - 2);
    let last: Vec<u32> = g.random(&Dist::Bits, 2).unwrap();
    assert_eq!(g.word_pos(), len);
    let s = Stream::from_seed(Algorithm::PHILOX2X32_10, 5, 9).unwrap();
    let mut want = [0u32; 2];
    s.fill(&Dist::Bits, len - 2, &mut want).unwrap();
    assert_eq!(last, want);
    assert!(g.set_word_pos(len + 1).is_err());
    assert_eq!(g.word_pos(), len);
}

#[test]
fn seed_from_u64_is_what_the_docs_say() {
    use rand_core::Rng;
    // The contract's seed mapping on every generator but Philox2x32.
    let mut r = cbrng::rng::Philox4x32Rng::seed_from_u64(0x1234_5678_9abc);
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 0x1234_5678_9abc, 0).unwrap();
    let mut want = [0u32; 4];
    s.fill_u32(0, &mut want).unwrap();
    assert_eq!(
        [r.next_u32(), r.next_u32(), r.next_u32(), r.next_u32()],
        want
    );
    // Philox2x32: rand_core's PCG32 expansion of the seed into the key bytes.
    let mut r = cbrng::rng::Philox2x32Rng::seed_from_u64(7);
    let mut seed = [0u8; 4];
    // rand_core 0.10's documented expansion: PCG32 (MUL 6364136223846793005,
    // INC 11634580027462260723), output xorshifted and rotated.
    let mut state = 7u64;
    const MUL: u64 = 6364136223846793005;
    const INC: u64 = 11634580027462260723;
    state = state.wrapping_mul(MUL).wrapping_add(INC);
    let st = state;
    let xorshifted = (((st >> 18) ^ st) >> 27) as u32;
    let rot = (st >> 59) as u32;
    seed.copy_from_slice(&xorshifted.rotate_right(rot).to_le_bytes());
    let key = u32::from_le_bytes(seed);
    let s = Stream::from_seed(Algorithm::PHILOX2X32_10, u64::from(key), 0).unwrap();
    let mut want = [0u32; 2];
    s.fill_u32(0, &mut want).unwrap();
    assert_eq!([r.next_u32(), r.next_u32()], want);
}

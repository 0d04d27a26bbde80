//! `cbrng::dist::Sampler` (and, with the `rand` feature, rand's
//! `Distribution` trait on it): drawn from cbrng's own rand_core generators
//! at word position 0, it gives exactly what `Stream::fill` gives from
//! offset 0, for every generator and every (distribution, dtype) of the
//! check matrix whose elements read whole stream elements.
use cbrng::check;
use cbrng::dist::{DType, Distribution, Element, Layout, Sampler};
use cbrng::rng::{
    CounterRng, Philox2x32Rng, Philox2x64Rng, Philox4x32Rng, Philox4x64Rng, Threefry2x32Rng,
    Threefry2x64Rng, Threefry4x32Rng, Threefry4x64Rng,
};
use cbrng::{Algorithm, Dist, Stream, generator::KeyedBlocks};
use rand_core::Rng;

const N: usize = 1000;

fn filled<T: Element>(s: &Stream, d: &Distribution) -> Vec<T> {
    let mut v = vec![T::default(); N];
    s.fill(d, 0, &mut v).unwrap();
    v
}

/// The RNG of `s`'s generator over `s`, at word position 0.
fn rng_of<G: KeyedBlocks>(s: &Stream) -> CounterRng<G> {
    CounterRng::<G>::from_stream(s).unwrap()
}

/// Samples N elements of `d` in the dtype `dtype` from `rng` and compares
/// them with the fill; returns the words the RNG consumed.
fn check_pair<R: Rng>(mut rng: R, s: &Stream, d: &Distribution, dtype: DType) -> usize {
    fn go<T: Element + std::fmt::Debug, R: Rng>(
        rng: &mut R,
        s: &Stream,
        d: &Distribution,
        draw: impl Fn(&Sampler<T>, &mut R) -> T,
    ) {
        let sampler = Sampler::<T>::new(d).unwrap();
        let got: Vec<T> = (0..N).map(|_| draw(&sampler, rng)).collect();
        assert!(
            got == filled::<T>(s, d),
            "{} {d} {}: sampled values differ from the fill",
            s.algorithm(),
            T::DTYPE
        );
    }
    let mut words = Counting {
        inner: &mut rng,
        words: 0,
    };
    let r = &mut words;
    match dtype {
        DType::U8 => go::<u8, _>(r, s, d, |p, r| p.sample(r)),
        DType::U32 => go::<u32, _>(r, s, d, |p, r| p.sample(r)),
        DType::U64 => go::<u64, _>(r, s, d, |p, r| p.sample(r)),
        DType::I32 => go::<i32, _>(r, s, d, |p, r| p.sample(r)),
        DType::I64 => go::<i64, _>(r, s, d, |p, r| p.sample(r)),
        DType::F32 => go::<f32, _>(r, s, d, |p, r| p.sample(r)),
        DType::F64 => go::<f64, _>(r, s, d, |p, r| p.sample(r)),
        DType::Bool => go::<bool, _>(r, s, d, |p, r| p.sample(r)),
        DType::F16 => go::<half::f16, _>(r, s, d, |p, r| p.sample(r)),
        DType::BF16 => go::<half::bf16, _>(r, s, d, |p, r| p.sample(r)),
    }
    words.words
}

/// Counts the u32 words drawn (a u64 is two).
struct Counting<'a, R> {
    inner: &'a mut R,
    words: usize,
}
impl<R: Rng> rand_core::TryRng for Counting<'_, R> {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.words += 1;
        Ok(self.inner.next_u32())
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.words += 2;
        Ok(self.inner.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        panic!("a sampler never asks for bytes ({} requested)", dst.len());
    }
}

#[test]
fn samplers_on_cbrng_rngs_equal_the_fill() {
    let mut pairs = 0;
    for algo in check::algorithms() {
        let s = Stream::from_seed(algo, 0x5eed, 3).unwrap();
        for (d, dtype) in check::distributions() {
            let p = d.prepare(dtype).unwrap();
            let per = match p.layout {
                // Packed elements and rejection samplers have no sampler.
                Layout::PackedU32 { .. } | Layout::Attempts { .. } => continue,
                Layout::U32 => 1,
                Layout::U64 { per_element } => 2 * per_element as usize,
            };
            use cbrng::generator as g;
            let words = match (algo.family(), algo.shape()) {
                (cbrng::Family::Philox, cbrng::Shape::X2x32) => {
                    check_pair(rng_of::<g::Philox2x32>(&s), &s, &d, dtype)
                }
                (cbrng::Family::Philox, cbrng::Shape::X4x32) => {
                    check_pair(rng_of::<g::Philox4x32>(&s), &s, &d, dtype)
                }
                (cbrng::Family::Philox, cbrng::Shape::X2x64) => {
                    check_pair(rng_of::<g::Philox2x64>(&s), &s, &d, dtype)
                }
                (cbrng::Family::Philox, cbrng::Shape::X4x64) => {
                    check_pair(rng_of::<g::Philox4x64>(&s), &s, &d, dtype)
                }
                (cbrng::Family::Threefry, cbrng::Shape::X2x32) => {
                    check_pair(rng_of::<g::Threefry2x32>(&s), &s, &d, dtype)
                }
                (cbrng::Family::Threefry, cbrng::Shape::X4x32) => {
                    check_pair(rng_of::<g::Threefry4x32>(&s), &s, &d, dtype)
                }
                (cbrng::Family::Threefry, cbrng::Shape::X2x64) => {
                    check_pair(rng_of::<g::Threefry2x64>(&s), &s, &d, dtype)
                }
                (cbrng::Family::Threefry, cbrng::Shape::X4x64) => {
                    check_pair(rng_of::<g::Threefry4x64>(&s), &s, &d, dtype)
                }
            };
            // Exactly the stream elements the fill read.
            assert_eq!(words, per * N, "{algo} {d} {dtype}");
            pairs += 1;
        }
    }
    // Every generator x 55 pairs: the pairs of contract v1 (19) and v2 (39)
    // less the 3 packed ones (bits u8, uniform f16 and bf16); contract v3's
    // rejection samplers have no sampler.
    let v12 = check::distributions_v1().len() + check::distributions_v2().len();
    assert_eq!(v12, 58);
    assert_eq!(pairs, check::algorithms().len() * 55);
}

/// The type aliases' seed_from_u64 is the contract's seed (stream 0), so a
/// sampler on them is the fill of `Stream::from_seed(.., seed, 0)`.
#[test]
fn seeded_aliases_sample_the_seeded_stream() {
    use rand_core::SeedableRng;
    let d = Dist::Int {
        lo: -1000,
        hi: 1000,
    };
    let want = |algo: Algorithm| filled::<i64>(&Stream::from_seed(algo, 77, 0).unwrap(), &d);
    let sampler = Sampler::<i64>::new(&d).unwrap();
    let draw = |rng: &mut dyn Rng| (0..N).map(|_| sampler.sample(rng)).collect::<Vec<_>>();
    assert_eq!(
        draw(&mut Philox4x32Rng::seed_from_u64(77)),
        want(Algorithm::PHILOX4X32_10)
    );
    assert_eq!(
        draw(&mut Philox2x64Rng::seed_from_u64(77)),
        want("philox2x64".parse().unwrap())
    );
    assert_eq!(
        draw(&mut Philox4x64Rng::seed_from_u64(77)),
        want("philox4x64".parse().unwrap())
    );
    assert_eq!(
        draw(&mut Threefry2x32Rng::seed_from_u64(77)),
        want("threefry2x32".parse().unwrap())
    );
    assert_eq!(
        draw(&mut Threefry4x32Rng::seed_from_u64(77)),
        want("threefry4x32".parse().unwrap())
    );
    assert_eq!(
        draw(&mut Threefry2x64Rng::seed_from_u64(77)),
        want(Algorithm::THREEFRY2X64_20)
    );
    assert_eq!(
        draw(&mut Threefry4x64Rng::seed_from_u64(77)),
        want(Algorithm::THREEFRY4X64_20)
    );
    // Philox2x32's seed_from_u64 is rand_core's expansion: use new().
    let mut rng = Philox2x32Rng::new(77, 0, 10).unwrap();
    assert_eq!(draw(&mut rng), want("philox2x32".parse().unwrap()));
}

/// From any other RNG a sampler is the contract's map of its words: here a
/// scripted RNG gives known words, and the values follow the table.
#[test]
fn samplers_map_any_rngs_words_by_the_table() {
    struct Script(Vec<u64>, usize);
    impl rand_core::TryRng for Script {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            self.1 += 1;
            Ok(self.0[self.1 - 1] as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            self.1 += 1;
            Ok(self.0[self.1 - 1])
        }
        fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
            unimplemented!()
        }
    }
    let mut r = Script(
        vec![0xffff_ffff, 0, 1 << 31, u64::MAX, 1 << 63, 0, 7, 1 << 40],
        0,
    );
    assert_eq!(
        Sampler::<f32>::new(&Dist::Uniform).unwrap().sample(&mut r),
        1.0 - 2f32.powi(-24)
    );
    assert_eq!(
        Sampler::<f64>::new(&Dist::Uniform).unwrap().sample(&mut r),
        0.0
    );
    let b = Sampler::<bool>::new(&Dist::Bernoulli { p: 0.5 }).unwrap();
    assert!(!b.sample(&mut r), "2^31 is not below t(0.5) = 2^31");
    let full = Dist::Int {
        lo: i32::MIN.into(),
        hi: i128::from(i32::MAX) + 1,
    };
    assert_eq!(Sampler::<i32>::new(&full).unwrap().sample(&mut r), i32::MAX);
    let i = Sampler::<i64>::new(&Dist::Int { lo: -3, hi: 3 }).unwrap();
    // x = 0 * 2^64 + 2^63: floor(x * 6 / 2^128) = 0.
    assert_eq!(i.sample(&mut r), -3);
    assert_eq!(Sampler::<i32>::new(&Dist::Bits).unwrap().sample(&mut r), 7);
    assert_eq!(
        Sampler::<u64>::new(&Dist::Bits).unwrap().sample(&mut r),
        1 << 40
    );
}

#[test]
fn packed_and_undefined_pairs_are_errors() {
    for e in [
        Sampler::<u8>::new(&Dist::Bits).map(|_| ()),
        Sampler::<half::f16>::new(&Dist::Uniform).map(|_| ()),
        Sampler::<half::bf16>::new(&Dist::Uniform).map(|_| ()),
        Sampler::<bool>::new(&Dist::Bits).map(|_| ()),
        Sampler::<u32>::new(&Dist::Uniform).map(|_| ()),
        Sampler::<i32>::new(&Dist::Int { lo: 0, hi: 1 << 40 }).map(|_| ()),
        Sampler::<f32>::new(&Dist::Bernoulli { p: 2.0 }).map(|_| ()),
    ] {
        let msg = e.unwrap_err().to_string();
        assert_eq!(msg.lines().count(), 1, "{msg}");
    }
    let msg = Sampler::<u8>::new(&Dist::Bits).unwrap_err().to_string();
    assert!(msg.contains("packs 4 elements"), "{msg}");
}

/// rand's trait: `sample`, `sample_iter` and `RngExt::sample` draw the
/// same values as the fill.
#[cfg(feature = "rand")]
#[test]
fn rand_distribution_trait_draws_the_fill() {
    use rand::RngExt;
    use rand::distr::Distribution as _;
    use rand_core::SeedableRng;
    let s = Stream::from_seed(Algorithm::PHILOX4X32_10, 9, 0).unwrap();
    let normal = Dist::Normal {
        mean: -1.0,
        std: 0.5,
    };
    let sampler = Sampler::<f32>::new(&normal).unwrap();
    let got: Vec<f32> = sampler
        .sample_iter(Philox4x32Rng::seed_from_u64(9))
        .take(N)
        .collect();
    assert_eq!(got, filled::<f32>(&s, &normal));
    let coin = Sampler::<bool>::new(&Dist::Bernoulli { p: 0.3 }).unwrap();
    let mut rng = Philox4x32Rng::seed_from_u64(9);
    let got: Vec<bool> = (0..N).map(|_| rng.sample(coin)).collect();
    assert_eq!(got, filled::<bool>(&s, &Dist::Bernoulli { p: 0.3 }));
    let dice = Sampler::<u32>::new(&Dist::Int { lo: 1, hi: 7 }).unwrap();
    let mut rng = Philox4x32Rng::seed_from_u64(9);
    let got: Vec<u32> = (0..N)
        .map(|_| rand::distr::Distribution::sample(&dice, &mut rng))
        .collect();
    assert_eq!(got, filled::<u32>(&s, &Dist::Int { lo: 1, hi: 7 }));
    // Mapped like any rand distribution.
    let u = Sampler::<f64>::new(&Dist::Uniform)
        .unwrap()
        .map(|x| 2.0 * x);
    let mut rng = Philox4x32Rng::seed_from_u64(9);
    let x: f64 = u.sample(&mut rng);
    assert_eq!(x, 2.0 * filled::<f64>(&s, &Dist::Uniform)[0]);
}

//! Bulk fills: stream elements are made a chunk at a time into a stack buffer
//! and mapped through the per-element definitions of [`crate::dist`].

use super::views::{fill_u8_view, fill_u32_view, fill_u64_view};
use crate::cpu::{CpuBackend, CpuOptions, simd, threads};
use crate::dist::{
    Distribution, Layout, OutSlice, Params, Prepared, bernoulli, continuous, discrete, exact_math,
    gamma, int, normal, truncnorm, uniform,
};
use crate::generator::KeyedBlocks;

/// Stream elements per chunk. Small enough for the stack and L1, and small
/// enough that generating one chunk overlaps with the stores of the last
/// one draining to memory (512 measured 13% slower than 256 for uniform f64).
const CHUNK: usize = 256;

/// A chunk buffer aligned for every word size: a 64-bit generator's words go
/// straight into a u32 chunk (its u32 view is the same bytes on
/// little-endian machines) only when the chunk is 8-byte aligned.
#[repr(C, align(64))]
struct Aligned<T>(T);

/// Output element i (from `first`) is `f(u32 element i)`.
#[inline]
fn map_u32<G: KeyedBlocks, T>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [T],
    f: impl Fn(u32) -> T,
) {
    let mut buf = Aligned([0u32; CHUNK]);
    let buf = &mut buf.0;
    let mut i = first;
    for c in out.chunks_mut(CHUNK) {
        let raw = &mut buf[..c.len()];
        fill_u32_view(g, be, s, i, raw);
        for (o, &x) in c.iter_mut().zip(raw.iter()) {
            *o = f(x);
        }
        i += c.len() as u128;
    }
}

/// Output element i is `f(u64 elements per*i .. per*i+per)`, per = 1 or 2.
#[inline]
fn map_u64<G: KeyedBlocks, T>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [T],
    per: usize,
    f: impl Fn(&[u64]) -> T,
) {
    let mut buf = [0u64; CHUNK];
    let mut i = first;
    for c in out.chunks_mut(CHUNK / per) {
        let raw = &mut buf[..c.len() * per];
        fill_u64_view(g, be, s, i * per as u128, raw);
        for (o, x) in c.iter_mut().zip(raw.chunks_exact(per)) {
            *o = f(x);
        }
        i += c.len() as u128;
    }
}

/// Output element i is `f(u32 element i / per, i mod per)`: several outputs
/// share one u32 element (bytes, 16-bit halves).
#[inline]
fn map_packed<G: KeyedBlocks, T, const PER: usize>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [T],
    f: impl Fn(u32, u32) -> T,
) {
    // PER is a constant so that `/` and `%` below are shifts and masks.
    let (per, per128) = (PER, PER as u128);
    let mut buf = Aligned([0u32; CHUNK + 1]);
    let buf = &mut buf.0;
    let mut i = first;
    for c in out.chunks_mut(CHUNK * per) {
        let w0 = i / per128;
        let w1 = (i + c.len() as u128).div_ceil(per128);
        let raw = &mut buf[..(w1 - w0) as usize];
        fill_u32_view(g, be, s, w0, raw);
        // A head that starts inside raw[0], then whole groups of PER outputs
        // per word (a loop the compiler unrolls), then a partial last word.
        let skip = (i % per128) as usize;
        let head = if skip == 0 {
            0
        } else {
            (per - skip).min(c.len())
        };
        let (c_head, c_rest) = c.split_at_mut(head);
        for (k, o) in c_head.iter_mut().enumerate() {
            *o = f(raw[0], (skip + k) as u32);
        }
        let words = &raw[usize::from(head > 0)..];
        let full = c_rest.len() / PER;
        let mut groups = c_rest.chunks_exact_mut(PER);
        for (dst, &w) in (&mut groups).zip(words) {
            for (k, o) in dst.iter_mut().enumerate() {
                *o = f(w, k as u32);
            }
        }
        for (k, o) in groups.into_remainder().iter_mut().enumerate() {
            *o = f(words[full], k as u32);
        }
        i += c.len() as u128;
    }
}

/// Fills `out` with elements `[first, first + len)` of the prepared
/// distribution on stream `s`. Range, dtype and parameters are already checked
/// (by [`crate::Stream::fill`]), and `out`'s dtype is `p.dtype`.
pub(crate) fn fill_prepared<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    p: &Prepared,
    first: u128,
    out: OutSlice<'_>,
) {
    use Distribution as D;
    match (p.dist, p.params, out) {
        (D::Bits, _, OutSlice::U32(o)) => fill_u32_view(g, be, s, first, o),
        (D::Bits, _, OutSlice::U64(o)) => fill_u64_view(g, be, s, first, o),
        (D::Bits, _, OutSlice::U8(o)) => fill_u8_view(g, be, s, first, o),
        // Signed bits: the unsigned view's words, reinterpreted in place.
        (D::Bits, _, OutSlice::I32(o)) => {
            fill_u32_view(g, be, s, first, bytemuck::cast_slice_mut(o))
        }
        (D::Bits, _, OutSlice::I64(o)) => {
            fill_u64_view(g, be, s, first, bytemuck::cast_slice_mut(o))
        }
        (D::Uniform, _, OutSlice::F32(o)) => uniform_f32(g, be, s, first, o),
        (D::Uniform, _, OutSlice::F64(o)) => uniform_f64(g, be, s, first, o),
        (D::Uniform, _, OutSlice::F16(o)) => map_packed::<_, _, 2>(g, be, s, first, o, |w, k| {
            uniform::uniform_f16(uniform::half_of(w, k == 1))
        }),
        (D::Uniform, _, OutSlice::BF16(o)) => map_packed::<_, _, 2>(g, be, s, first, o, |w, k| {
            uniform::uniform_bf16(uniform::half_of(w, k == 1))
        }),
        (D::Normal { .. }, Params::Normal { mean, std }, OutSlice::F32(o)) => {
            let (mean, std) = (mean as f32, std as f32);
            normal_f32(g, be, s, first, o, mean, std)
        }
        (D::Normal { .. }, Params::Normal { mean, std }, OutSlice::F64(o)) => {
            normal_f64(g, be, s, first, o, mean, std)
        }
        (D::Bernoulli { .. }, Params::Threshold(t), OutSlice::U8(o)) => {
            map_u32(g, be, s, first, o, |x| bernoulli::bernoulli(x, t))
        }
        (D::Bernoulli { .. }, Params::Threshold(t), OutSlice::Bool(o)) => {
            map_u32(g, be, s, first, o, |x| bernoulli::bernoulli(x, t) == 1)
        }
        (D::Int { .. }, Params::Int { lo, range }, OutSlice::U8(o)) => {
            map_u32(g, be, s, first, o, |x| {
                int::int_u8(x, lo as u64, range as u64)
            })
        }
        (D::Int { .. }, Params::Int { lo, range }, OutSlice::U32(o)) => {
            map_u64(g, be, s, first, o, 1, |x| {
                int::int_u32(x[0], lo as u64, range as u64)
            })
        }
        (D::Int { .. }, Params::Int { lo, range }, OutSlice::U64(o)) => {
            map_u64(g, be, s, first, o, 2, |x| {
                int::int_u64(x[0], x[1], lo as u64, range)
            })
        }
        // prepare() checked that lo is within the signed dtype.
        (D::Int { .. }, Params::Int { lo, range }, OutSlice::I32(o)) => {
            map_u64(g, be, s, first, o, 1, |x| {
                int::int_i32(x[0], lo as i32, range as u64)
            })
        }
        (D::Int { .. }, Params::Int { lo, range }, OutSlice::I64(o)) => {
            map_u64(g, be, s, first, o, 2, |x| {
                int::int_i64(x[0], x[1], lo as i64, range)
            })
        }
        (D::Normal { .. }, Params::Normal { mean, std }, OutSlice::F16(o)) => {
            let (mean, std) = (mean as f32, std as f32);
            map_u32(g, be, s, first, o, |x| continuous::normal_f16(x, mean, std))
        }
        (D::Normal { .. }, Params::Normal { mean, std }, OutSlice::BF16(o)) => {
            let (mean, std) = (mean as f32, std as f32);
            map_u32(g, be, s, first, o, |x| {
                continuous::normal_bf16(x, mean, std)
            })
        }
        (D::UniformRange { .. }, Params::Real { a, b }, OutSlice::F16(o)) => {
            let (lo, hi) = (a as f32, b as f32);
            map_u32(g, be, s, first, o, |x| {
                continuous::uniform_range_f16(x, lo, hi)
            })
        }
        (D::UniformRange { .. }, Params::Real { a, b }, OutSlice::BF16(o)) => {
            let (lo, hi) = (a as f32, b as f32);
            map_u32(g, be, s, first, o, |x| {
                continuous::uniform_range_bf16(x, lo, hi)
            })
        }
        (D::TruncatedNormal { .. }, Params::TruncNormal { a, b, mean, std }, OutSlice::F32(o)) => {
            debug_assert_eq!(s, 0, "a rejection sampler fills from its attempt key");
            truncated_normal_f32(g, be, first, o, a as f32, b as f32, mean as f32, std as f32)
        }
        (D::TruncatedNormal { .. }, Params::TruncNormal { a, b, mean, std }, OutSlice::F64(o)) => {
            debug_assert_eq!(s, 0, "a rejection sampler fills from its attempt key");
            truncated_normal_f64(g, be, first, o, a, b, mean, std)
        }
        // Contract v3: the rejection samplers, on the attempt space (the
        // engine was handed the attempt key and stream 0).
        (
            d @ (D::Gamma { .. } | D::ChiSquared { .. } | D::Beta { .. } | D::StudentT { .. }),
            Params::Real { a, b },
            OutSlice::F32(o),
        ) => gamma_family_f32(g, be, first, o, &d, a as f32, b as f32),
        (
            d @ (D::Gamma { .. } | D::ChiSquared { .. } | D::Beta { .. } | D::StudentT { .. }),
            Params::Real { a, b },
            OutSlice::F64(o),
        ) => gamma_family_f64(g, be, first, o, &d, a, b),
        (d, Params::Real { a, b }, OutSlice::F32(o)) => {
            continuous_f32(g, be, s, first, o, &d, a as f32, b as f32)
        }
        (d, Params::Real { a, b }, OutSlice::F64(o)) => {
            continuous_f64(g, be, s, first, o, &d, a, b)
        }
        // Contract v3: rejection samplers on the attempt key (s is 0). The
        // values are at most k_max or N, which prepare() checked fit the
        // dtype, so the casts below are exact.
        (_, Params::Poisson { lambda, kmax }, out) => {
            debug_assert_eq!(p.layout, Layout::Attempts { words: 4 });
            let d = discrete::Poisson::new(lambda, kmax);
            let (deg, fb) = (d.is_degenerate(), d.fallback());
            discrete_out(g, be, first, out, deg, fb, |x0, x1| d.attempt(x0, x1))
        }
        (_, Params::Binomial { n, p: prob }, out) => {
            debug_assert_eq!(p.layout, Layout::Attempts { words: 4 });
            let d = discrete::Binomial::new(n, prob);
            let (deg, fb) = (d.is_degenerate(), d.fallback());
            discrete_out(g, be, first, out, deg, fb, |x0, x1| d.attempt(x0, x1))
        }
        _ => unreachable!("Distribution::prepare admits only the pairs above"),
    }
    debug_assert!(matches!(
        p.layout,
        Layout::U32 | Layout::PackedU32 { .. } | Layout::U64 { .. } | Layout::Attempts { .. }
    ));
}

/// A discrete rejection sampler's outputs in any of its dtypes (the value
/// fits: see the caller).
fn discrete_out<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: OutSlice<'_>,
    degenerate: bool,
    fallback: u64,
    attempt: impl Fn(u64, u64) -> Option<u64>,
) {
    match out {
        OutSlice::U32(o) => map_attempts2(g, be, first, o, degenerate, fallback, &attempt, |k| {
            k as u32
        }),
        OutSlice::I32(o) => map_attempts2(g, be, first, o, degenerate, fallback, &attempt, |k| {
            k as i32
        }),
        OutSlice::U64(o) => map_attempts2(g, be, first, o, degenerate, fallback, &attempt, |k| k),
        OutSlice::I64(o) => map_attempts2(g, be, first, o, degenerate, fallback, &attempt, |k| {
            k as i64
        }),
        _ => unreachable!("the discrete samplers make u32, i32, u64, i64"),
    }
}

/// Output element i is the first accepted attempt of `attempt` on the two
/// u64 words (`x0, x1`: u64 elements `2i, 2i + 1`) of attempt stream `a` =
/// 0, 1, ... of the attempt key ([`attempts`]), or `fallback` after
/// `MAX_ATTEMPTS` rejections. Attempt 0's words of a chunk come from one
/// contiguous view fill; a retry fills its element's two words alone. A
/// degenerate sampler (a constant) reads no words.
#[allow(clippy::too_many_arguments)]
#[inline]
fn map_attempts2<G: KeyedBlocks, T: Copy>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [T],
    degenerate: bool,
    fallback: u64,
    attempt: &impl Fn(u64, u64) -> Option<u64>,
    cast: impl Fn(u64) -> T,
) {
    if degenerate {
        out.fill(cast(fallback));
        return;
    }
    let mut buf = [0u64; CHUNK];
    let mut i = first;
    for c in out.chunks_mut(CHUNK / 2) {
        let raw = &mut buf[..c.len() * 2];
        fill_u64_view(g, be, 0, i * 2, raw);
        for (j, (o, x)) in c.iter_mut().zip(raw.chunks_exact(2)).enumerate() {
            let k = match attempt(x[0], x[1]) {
                Some(k) => k,
                None => {
                    let e = i + j as u128;
                    let mut w = [0u64; 2];
                    let retry = |a: u32| {
                        fill_u64_view(g, be, u64::from(a), e * 2, &mut w);
                        (w[0], w[1])
                    };
                    discrete::sample(attempt, fallback, 1, retry)
                }
            };
            *o = cast(k);
        }
        i += c.len() as u128;
    }
}

/// Truncated normal f32 ([`truncnorm`]) on the attempt space: attempt `a`
/// of element `e` is u32 elements `[2e, 2e + 2)` of attempt stream `a`.
#[allow(clippy::too_many_arguments)]
fn truncated_normal_f32<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [f32],
    a: f32,
    b: f32,
    mean: f32,
    std: f32,
) {
    const W: usize = truncnorm::WORDS_F32 as usize;
    let plan = truncnorm::PlanF32::new(a, b);
    map_attempts(g, be, first, out, W, false, |words| {
        truncnorm::truncated_normal_f32(&plan, mean, std, |att| {
            let mut w = [0u32; W];
            words(att, &mut w);
            w
        })
    })
}

/// Truncated normal f64: attempt `a` of element `e` is u64 elements
/// `[2e, 2e + 2)` of attempt stream `a`, the u32 words `[4e, 4e + 4)` joined
/// low half first (the contract's u64 view, for every generator).
#[allow(clippy::too_many_arguments)]
fn truncated_normal_f64<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [f64],
    a: f64,
    b: f64,
    mean: f64,
    std: f64,
) {
    const W: usize = truncnorm::WORDS_F64 as usize;
    let plan = truncnorm::PlanF64::new(a, b);
    map_attempts(g, be, first, out, W, false, |words| {
        truncnorm::truncated_normal_f64(&plan, mean, std, |att| {
            let mut w = [0u32; W];
            words(att, &mut w);
            let join = |k: usize| u64::from(w[2 * k]) | (u64::from(w[2 * k + 1]) << 32);
            [join(0), join(1)]
        })
    })
}

/// A rejection sampler's outputs `[first, first + out.len())`, `w` u32 words
/// per attempt: a chunk at a time, attempt 0 of the chunk (and, when
/// `extras`, its words of the extras stream) as one contiguous fill each;
/// `f` is the element's definition, given a source of its attempts' words
/// that serves those from the chunk and fetches later attempts on their own.
#[inline]
fn map_attempts<G: KeyedBlocks, T>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [T],
    w: usize,
    extras: bool,
    f: impl Fn(&mut dyn FnMut(u32, &mut [u32])) -> T,
) {
    let mut buf = Aligned([0u32; CHUNK]);
    let mut xbuf = Aligned([0u32; CHUNK]);
    let (buf, xbuf) = (&mut buf.0, &mut xbuf.0);
    let mut i = first;
    for c in out.chunks_mut(CHUNK / w) {
        let n = c.len() * w;
        fill_u32_view(g, be, 0, i * w as u128, &mut buf[..n]);
        if extras {
            fill_u32_view(g, be, gamma::EXTRAS.into(), i * w as u128, &mut xbuf[..n]);
        }
        for (j, o) in c.iter_mut().enumerate() {
            let at = i + j as u128;
            *o = f(&mut |a: u32, dst: &mut [u32]| match a {
                0 => dst.copy_from_slice(&buf[j * w..(j + 1) * w]),
                gamma::EXTRAS if extras => dst.copy_from_slice(&xbuf[j * w..(j + 1) * w]),
                // One attempt's few words: the scalar blocks (the same bits)
                // cost less than a SIMD step.
                _ => fill_u32_view(g, CpuBackend::Scalar, a.into(), at * w as u128, dst),
            });
        }
        i += c.len() as u128;
    }
}

/// The gamma family in f32 ([`gamma`]); `a`, `b` the parameters in f32.
fn gamma_family_f32<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [f32],
    d: &Distribution,
    a: f32,
    b: f32,
) {
    use Distribution as D;
    match d {
        D::Gamma { .. } => gamma_fast_f32(g, be, first, out, &gamma::GammaF32::new(a), b),
        D::ChiSquared { .. } => {
            gamma_fast_f32(g, be, first, out, &gamma::GammaF32::new(a * 0.5), 2.0)
        }
        D::StudentT { .. } => {
            let h = gamma::GammaF32::new(a * 0.5);
            map_attempts(g, be, first, out, 2, true, |w| {
                gamma::student_t_f32(&h, a, w)
            })
        }
        _ => {
            let (ga, gb) = (gamma::GammaF32::new(a), gamma::GammaF32::new(b));
            map_attempts(g, be, first, out, 4, ga.boost || gb.boost, |w| {
                gamma::beta_f32(&ga, &gb, w)
            })
        }
    }
}

/// The gamma family in f64.
fn gamma_family_f64<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [f64],
    d: &Distribution,
    a: f64,
    b: f64,
) {
    use Distribution as D;
    match d {
        D::Gamma { .. } => {
            let h = gamma::GammaF64::new(a);
            map_attempts(g, be, first, out, 4, h.boost, |w| {
                gamma::gamma_f64(&h, b, w)
            })
        }
        D::ChiSquared { .. } => {
            let h = gamma::GammaF64::new(a * 0.5);
            map_attempts(g, be, first, out, 4, h.boost, |w| {
                gamma::chi_squared_f64(&h, w)
            })
        }
        D::StudentT { .. } => {
            let h = gamma::GammaF64::new(a * 0.5);
            map_attempts(g, be, first, out, 4, true, |w| {
                gamma::student_t_f64(&h, a, w)
            })
        }
        _ => {
            let (ga, gb) = (gamma::GammaF64::new(a), gamma::GammaF64::new(b));
            map_attempts(g, be, first, out, 8, ga.boost || gb.boost, |w| {
                gamma::beta_f64(&ga, &gb, w)
            })
        }
    }
}

/// Rejected gamma elements held for their batched retries (attempts 1, 2,
/// ...) at most: a few chunks' worth at a 2 % rejection rate, one
/// [`simd::gamma_attempt_f32`] pass.
const PENDING: usize = simd::GAMMA_PASS;

/// Gamma (and chi-squared) f32, `G(K) * theta`, as [`gamma::gamma_std_f32`]
/// makes it: a chunk's attempt-0 words in one fill, attempt 0 of the chunk
/// by the backend's gamma kernel where it has one (normals, squeeze and the
/// full test on whole vectors) and [`gamma_attempt_rest_f32`] for the rest;
/// the elements attempt 0 rejects (about 2 % at K = 2) are held, with their
/// place and boost word, and make attempts 1, 2, ... together, a batch of up
/// to [`PENDING`] at a time ([`gamma_retries_f32`]). The boost (K < 1) reads
/// the chunk's extras in one fill too.
fn gamma_fast_f32<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [f32],
    h: &gamma::GammaF32,
    theta: f32,
) {
    const W: usize = 2;
    const N: usize = CHUNK / W;
    let mut buf = Aligned([0u32; CHUNK]);
    let mut xbuf = Aligned([0u32; CHUNK]);
    let (buf, xbuf) = (&mut buf.0, &mut xbuf.0);
    let mut ys = [0f32; N];
    let mut rej = [0u32; N + 16];
    let mut pend = Pending {
        at: [0; PENDING],
        boost: [0; PENDING],
        n: 0,
    };
    let sc = &mut simd::GammaScratch::new();
    let mut start = 0usize;
    while start < out.len() {
        let n = (out.len() - start).min(N);
        let i = first + start as u128;
        fill_u32_view(g, be, 0, i * W as u128, &mut buf[..n * W]);
        if h.boost {
            fill_u32_view(
                g,
                be,
                gamma::EXTRAS.into(),
                i * W as u128,
                &mut xbuf[..n * W],
            );
        }
        let w = &buf[..n * W];
        let (done, nr) = simd::gamma_attempt_f32(be, w, h.c, h.d, &mut ys[..n], &mut rej, sc);
        let nr = nr + gamma_attempt_rest_f32(be, h, w, done, &mut ys[..n], &mut rej[nr..], sc);
        for &j in &rej[..nr] {
            let j = j as usize;
            pend.at[pend.n] = start + j;
            pend.boost[pend.n] = xbuf[j * W];
            pend.n += 1;
            // A placeholder (the retries write the element): keeps the
            // boost below on a positive value.
            ys[j] = h.d;
        }
        let c = &mut out[start..start + n];
        if h.boost {
            // The boost as gamma::gamma_std_f32 makes it.
            for (j, y) in ys[..n].iter_mut().enumerate() {
                *y = boost_f32(h, *y, xbuf[j * W]);
            }
        }
        for (o, &y) in c.iter_mut().zip(&ys[..n]) {
            *o = y * theta;
        }
        start += n;
        if pend.n + N > PENDING {
            gamma_retries_f32(g, be, first, out, h, theta, &mut pend, sc);
        }
    }
    gamma_retries_f32(g, be, first, out, h, theta, &mut pend, sc);
}

/// Gamma elements whose attempt 0 was rejected: their places in the output
/// and their boost words (unit 0 of the extras).
struct Pending {
    at: [usize; PENDING],
    boost: [u32; PENDING],
    n: usize,
}

/// `exp(ln(y) + ln(u_b) / k)`, the boost of [`gamma::gamma_std_f32`].
#[inline(always)]
fn boost_f32(h: &gamma::GammaF32, y: f32, word: u32) -> f32 {
    let u = gamma::open_uniform_f32(word);
    exact_math::exp_f32(exact_math::ln_f32(y) + exact_math::ln_f32(u) / h.k)
}

/// Attempts 1, 2, ... of the held elements, all of them per attempt (the
/// words element by element, the attempt as in [`gamma_fast_f32`]), each
/// until accepted or, after [`crate::dist::attempts::MAX_ATTEMPTS`], at the fallback `d`;
/// then boosted and scaled into `out`, and the batch emptied.
#[allow(clippy::too_many_arguments)]
fn gamma_retries_f32<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    first: u128,
    out: &mut [f32],
    h: &gamma::GammaF32,
    theta: f32,
    pend: &mut Pending,
    sc: &mut simd::GammaScratch,
) {
    const W: usize = 2;
    let np = pend.n;
    if np == 0 {
        return;
    }
    let mut vals = [h.d; PENDING];
    let mut live: [u32; PENDING] = std::array::from_fn(|k| k as u32);
    let mut nl = np;
    let mut w = [0u32; W * PENDING];
    let mut ys = [0f32; PENDING];
    let mut rej = [0u32; PENDING + 16];
    for a in 1..crate::dist::attempts::MAX_ATTEMPTS {
        if nl == 0 {
            break;
        }
        for (k, pair) in live[..nl].iter().zip(w.chunks_exact_mut(W)) {
            let e = first + pend.at[*k as usize] as u128;
            // One attempt's two words: the scalar blocks (the same bits).
            fill_u32_view(g, CpuBackend::Scalar, a.into(), e * W as u128, pair);
        }
        let words = &w[..nl * W];
        let (done, nr) = simd::gamma_attempt_f32(be, words, h.c, h.d, &mut ys[..nl], &mut rej, sc);
        let nr = nr + gamma_attempt_rest_f32(be, h, words, done, &mut ys[..nl], &mut rej[nr..], sc);
        // rej is increasing: the accepted take their value, the rejected
        // stay live, in order.
        let (mut r, mut kept) = (0, 0);
        for k in 0..nl {
            let p = live[k];
            if r < nr && rej[r] as usize == k {
                r += 1;
                live[kept] = p;
                kept += 1;
            } else {
                vals[p as usize] = ys[k];
            }
        }
        nl = kept;
    }
    // Still live after every attempt: the fallback d, already in vals.
    for k in 0..np {
        let y = if h.boost {
            boost_f32(h, vals[k], pend.boost[k])
        } else {
            vals[k]
        };
        out[pend.at[k]] = y * theta;
    }
    pend.n = 0;
}

/// One gamma attempt for pairs `[from, n)` of `w` (`n` = `w.len() / 2` <=
/// [`PENDING`]), the scalar definition around the backend's normal kernel:
/// `ys[j]` the value if accepted, the rejected `j` appended to `rej` in
/// increasing order; returns how many. The squeeze runs branch-free on whole
/// arrays; the few elements it does not accept (about 8 % at K = 2) finish
/// one at a time. `sc` lends its working arrays.
fn gamma_attempt_rest_f32(
    be: CpuBackend,
    h: &gamma::GammaF32,
    w: &[u32],
    from: usize,
    ys: &mut [f32],
    rej: &mut [u32],
    sc: &mut simd::GammaScratch,
) -> usize {
    const W: usize = 2;
    let n = w.len() / W;
    if from >= n {
        return 0;
    }
    assert!(n <= PENDING);
    let m = n - from;
    let simd::GammaScratch {
        xs,
        zs,
        ok,
        fi: fails,
        ..
    } = sc;
    for (x, pair) in xs[..m].iter_mut().zip(w[from * W..].chunks_exact(W)) {
        *x = pair[0];
    }
    // 0 + 1 * z is z: the backend's normal kernel gives the standard normal.
    let done = simd::normal_f32(be, &xs[..m], 0.0, 1.0, &mut zs[..m]);
    for (z, &x) in zs[done..m].iter_mut().zip(&xs[done..m]) {
        *z = normal::standard_normal_f32(x);
    }
    // The squeeze, branch-free (as gamma::attempt_z_f32).
    for k in 0..m {
        let x = zs[k];
        let v = 1.0 + h.c * x;
        let v3 = (v * v) * v;
        let u = gamma::open_uniform_f32(w[W * (from + k) + 1]);
        let x2 = x * x;
        ok[k] = (v > 0.0) & (u < 1.0 - gamma::SQUEEZE_F32 * (x2 * x2));
        ys[from + k] = h.d * v3;
    }
    // The elements the squeeze did not accept, listed without a branch, then
    // finished one at a time (their normal is the kernel's, the same bits).
    let mut nf = 0;
    for (k, &accepted) in ok[..m].iter().enumerate() {
        fails[nf] = k as u32;
        nf += usize::from(!accepted);
    }
    let mut nr = 0;
    for &k in &fails[..nf] {
        let j = from + k as usize;
        if gamma::attempt_z_f32(h, zs[k as usize], w[W * j + 1]).is_none() {
            rej[nr] = j as u32;
            nr += 1;
        }
    }
    nr
}

/// Normal f32: stream elements a chunk at a time, mapped by the backend's
/// kernel where it has one and by the scalar definition for the rest.
fn normal_f32<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [f32],
    mean: f32,
    std: f32,
) {
    let mut buf = Aligned([0u32; CHUNK]);
    let buf = &mut buf.0;
    let mut i = first;
    for c in out.chunks_mut(CHUNK) {
        let raw = &mut buf[..c.len()];
        fill_u32_view(g, be, s, i, raw);
        let done = simd::normal_f32(be, raw, mean, std, c);
        for (o, &x) in c[done..].iter_mut().zip(&raw[done..]) {
            *o = mean + std * normal::standard_normal_f32(x);
        }
        i += c.len() as u128;
    }
}

/// [`fill_prepared`] with `opts`'s backend, split over up to `opts.threads()`
/// threads (each part is the slice of the stream it covers, so the bytes are
/// the same for any split).
pub(crate) fn fill_parallel<G: KeyedBlocks>(
    g: &G,
    opts: &CpuOptions,
    s: u64,
    p: &Prepared,
    first: u128,
    out: OutSlice<'_>,
) {
    let be = opts.backend();
    macro_rules! split {
        ($o:expr, $variant:ident) => {
            threads::for_parts($o, opts.threads(), |at, part| {
                fill_prepared(g, be, s, p, first + at as u128, OutSlice::$variant(part))
            })
        };
    }
    match out {
        OutSlice::U32(o) => split!(o, U32),
        OutSlice::U64(o) => split!(o, U64),
        OutSlice::F32(o) => split!(o, F32),
        OutSlice::F64(o) => split!(o, F64),
        OutSlice::F16(o) => split!(o, F16),
        OutSlice::BF16(o) => split!(o, BF16),
        OutSlice::U8(o) => split!(o, U8),
        OutSlice::I32(o) => split!(o, I32),
        OutSlice::I64(o) => split!(o, I64),
        OutSlice::Bool(o) => split!(o, Bool),
    }
}

/// Uniform f32: u32 elements a chunk at a time, converted by the backend's
/// kernel where it has one and by the scalar definition for the rest.
fn uniform_f32<G: KeyedBlocks>(g: &G, be: CpuBackend, s: u64, first: u128, out: &mut [f32]) {
    let mut buf = Aligned([0u32; CHUNK]);
    let buf = &mut buf.0;
    let mut i = first;
    for c in out.chunks_mut(CHUNK) {
        let raw = &mut buf[..c.len()];
        fill_u32_view(g, be, s, i, raw);
        let done = simd::uniform_f32(be, raw, c);
        for (o, &x) in c[done..].iter_mut().zip(&raw[done..]) {
            *o = uniform::uniform_f32(x);
        }
        i += c.len() as u128;
    }
}

/// Uniform f64: u64 elements a chunk at a time, converted by the backend's
/// kernel where it has one and by the scalar definition for the rest.
fn uniform_f64<G: KeyedBlocks>(g: &G, be: CpuBackend, s: u64, first: u128, out: &mut [f64]) {
    let mut buf = [0u64; CHUNK];
    let mut i = first;
    for c in out.chunks_mut(CHUNK) {
        let raw = &mut buf[..c.len()];
        fill_u64_view(g, be, s, i, raw);
        let done = simd::uniform_f64(be, raw, c);
        for (o, &x) in c[done..].iter_mut().zip(&raw[done..]) {
            *o = uniform::uniform_f64(x);
        }
        i += c.len() as u128;
    }
}

/// Normal f64: u64 elements a chunk at a time, mapped by the backend's kernel
/// where it has one and by the scalar definition for the rest.
fn normal_f64<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [f64],
    mean: f64,
    std: f64,
) {
    let mut buf = [0u64; CHUNK];
    let mut i = first;
    for c in out.chunks_mut(CHUNK) {
        let raw = &mut buf[..c.len()];
        fill_u64_view(g, be, s, i, raw);
        let done = simd::normal_f64(be, raw, mean, std, c);
        for (o, &x) in c[done..].iter_mut().zip(&raw[done..]) {
            *o = mean + std * normal::standard_normal_f64(x);
        }
        i += c.len() as u128;
    }
}

/// The continuous distributions of contract v2 in f32 ([`continuous`]): one
/// u32 element per output, each map monomorphised into its own loop.
#[allow(clippy::too_many_arguments)]
fn continuous_f32<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [f32],
    d: &Distribution,
    a: f32,
    b: f32,
) {
    use Distribution as D;
    use continuous as c;
    match d {
        D::UniformRange { .. } => map_u32(g, be, s, first, out, |x| c::uniform_range_f32(x, a, b)),
        D::Exponential { .. } => exponential_f32(g, be, s, first, out, a),
        D::LogNormal { .. } => map_u32(g, be, s, first, out, |x| c::log_normal_f32(x, a, b)),
        D::Gumbel { .. } => map_u32(g, be, s, first, out, |x| c::gumbel_f32(x, a, b)),
        D::Cauchy { .. } => map_u32(g, be, s, first, out, |x| c::cauchy_f32(x, a, b)),
        D::Logistic { .. } => map_u32(g, be, s, first, out, |x| c::logistic_f32(x, a, b)),
        D::Laplace { .. } => map_u32(g, be, s, first, out, |x| c::laplace_f32(x, a, b)),
        _ => unreachable!("only the contract v2 distributions have Params::Real"),
    }
}

/// Exponential f32: u32 elements a chunk at a time, mapped by the backend's
/// kernel where it has one and by the scalar definition for the rest.
fn exponential_f32<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [f32],
    lambda: f32,
) {
    let mut buf = Aligned([0u32; CHUNK]);
    let buf = &mut buf.0;
    let mut i = first;
    for c in out.chunks_mut(CHUNK) {
        let raw = &mut buf[..c.len()];
        fill_u32_view(g, be, s, i, raw);
        let done = simd::exponential_f32(be, raw, lambda, c);
        for (o, &x) in c[done..].iter_mut().zip(&raw[done..]) {
            *o = continuous::exponential_f32(x, lambda);
        }
        i += c.len() as u128;
    }
}

/// The continuous distributions of contract v2 in f64: one u64 element per output.
#[allow(clippy::too_many_arguments)]
fn continuous_f64<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [f64],
    d: &Distribution,
    a: f64,
    b: f64,
) {
    use Distribution as D;
    use continuous as c;
    let f = |f: fn(u64, f64, f64) -> f64| move |x: &[u64]| f(x[0], a, b);
    match d {
        D::UniformRange { .. } => map_u64(g, be, s, first, out, 1, f(c::uniform_range_f64)),
        D::Exponential { .. } => map_u64(g, be, s, first, out, 1, |x| c::exponential_f64(x[0], a)),
        D::LogNormal { .. } => map_u64(g, be, s, first, out, 1, f(c::log_normal_f64)),
        D::Gumbel { .. } => map_u64(g, be, s, first, out, 1, f(c::gumbel_f64)),
        D::Cauchy { .. } => map_u64(g, be, s, first, out, 1, f(c::cauchy_f64)),
        D::Logistic { .. } => map_u64(g, be, s, first, out, 1, f(c::logistic_f64)),
        D::Laplace { .. } => map_u64(g, be, s, first, out, 1, f(c::laplace_f64)),
        _ => unreachable!("only the contract v2 distributions have Params::Real"),
    }
}

//! The attempt space of the rejection samplers (contract version 3).
//!
//! A rejection sampler may need several tries for one output element. To keep
//! element `i` a pure function of (key, stream id, i), every element gets its
//! own counter space for its tries, disjoint from every other element's and
//! from the stream the other distributions read:
//!
//! 1. The **attempt key** of a fill is the derived key (see [`crate::derive`])
//!    `DerivedKey::new(key, ["cbrng.attempts", NAME, stream id])` for the
//!    fill's generator (`key_for(algo)`), where NAME is the distribution's
//!    short name ([`crate::dist::Distribution::name`], e.g. `gamma`). It is
//!    computed once per fill, on the host.
//! 2. **Attempt `a` of element `i`** (a = 0, 1, ...) reads the u32 elements
//!    `[i * w, (i + 1) * w)` of stream id `a` of the attempt key (with the
//!    usual stream contract: counter layout, element order, u64 view for the
//!    64-bit outputs, whose u64 elements are `[i * w / 2, (i + 1) * w / 2)`),
//!    where `w` is the distribution's u32 words per attempt
//!    ([`crate::dist::Layout::Attempts`]).
//! 3. At most [`MAX_ATTEMPTS`] attempts are made; an element whose every
//!    attempt is rejected takes its distribution's documented fallback value,
//!    so every element ends in bounded time. Each sampler documents its
//!    acceptance rate, so the fallback's probability is known (below 2^-60
//!    per element for every sampler of the contract).
//! 4. Words a sampler needs once per element whatever its attempts (the
//!    gamma family's boost uniform, student-t's normal) come from stream id
//!    `MAX_ATTEMPTS` (64), which no attempt reads, at the same positions
//!    `[i * w, (i + 1) * w)` ([`crate::dist::gamma::EXTRAS`]).
//!
//! So the attempt-0 words of a slice are one contiguous range of one stream
//! (the fast path fills them at full speed); later attempts read single
//! elements of streams 1, 2, .... A slice equals the same part of the whole
//! fill, and CPU equals GPU, as for every other distribution. The length of a
//! rejection sampler's stream is the attempt stream's u32 length divided by `w`.
//!
//! The attempt key of a 2x32 generator has the generator's key width (32 bits
//! for Philox2x32, 64 for Threefry2x32): the attempt spaces of different
//! (key, stream id) pairs of such a generator are unrelated streams of a
//! small key space and may coincide, as its own streams' keys may.

use crate::derive::{DerivedKey, Label};
use crate::dist::{Layout, Prepared};
use crate::generator::Algorithm;
use crate::stream::{Key, Stream};
use std::cell::Cell;

/// The first label of every attempt key's derivation path.
pub const ATTEMPT_LABEL: &str = "cbrng.attempts";

/// Attempts a rejection sampler makes for one element before it takes its
/// fallback value.
pub const MAX_ATTEMPTS: u32 = 64;

/// The attempt key of a fill of the distribution named `name` on `stream`.
pub fn attempt_key(stream: &Stream, name: &str) -> Key {
    DerivedKey::new(
        stream.key(),
        &[
            Label::from(ATTEMPT_LABEL),
            Label::from(name),
            Label::from(stream.id()),
        ],
    )
    .key_for(stream.algorithm())
}

/// The key and stream id that the engines (CPU and GPU) fill `prepared` with
/// on `stream`: the stream's own for the direct maps; for a rejection sampler
/// ([`Layout::Attempts`]) its attempt key and the first attempt's stream id, 0.
pub fn engine_key(stream: &Stream, prepared: &Prepared) -> (Key, u64) {
    match prepared.layout {
        Layout::Attempts { .. } => (cached_attempt_key(stream, prepared.dist.name()), 0),
        _ => (*stream.key(), stream.id()),
    }
}

/// The inputs and value of the last attempt key this thread derived.
type LastAttemptKey = (Algorithm, Key, u64, &'static str, Key);

std::thread_local! {
    static LAST_ATTEMPT_KEY: Cell<Option<LastAttemptKey>> = const { Cell::new(None) };
}

/// [`attempt_key`], remembered per thread for the last (stream, name): the
/// derivation is nine 72-round Threefry blocks (microseconds), which a loop
/// of small slice fills of one stream would otherwise pay on every call.
fn cached_attempt_key(stream: &Stream, name: &'static str) -> Key {
    let id = (stream.algorithm(), *stream.key(), stream.id(), name);
    LAST_ATTEMPT_KEY.with(|last| {
        if let Some((a, k, s, n, key)) = last.get()
            && (a, k, s, n) == id
        {
            return key;
        }
        let key = attempt_key(stream, name);
        last.set(Some((id.0, id.1, id.2, id.3, key)));
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_per_thread_cache_gives_each_inputs_own_key() {
        let a = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 0).unwrap();
        let b = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 1).unwrap();
        let c = Stream::from_seed(Algorithm::PHILOX4X32_10, 8, 0).unwrap();
        let t = Stream::from_seed(Algorithm::THREEFRY4X32_20, 7, 0).unwrap();
        for _ in 0..2 {
            for s in [&a, &b, &c, &t, &a] {
                for name in ["gamma", "poisson", "gamma"] {
                    assert_eq!(cached_attempt_key(s, name), attempt_key(s, name));
                }
            }
        }
    }

    #[test]
    fn attempt_keys_differ_by_stream_and_name() {
        let a = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 0).unwrap();
        let b = Stream::from_seed(Algorithm::PHILOX4X32_10, 7, 1).unwrap();
        assert_ne!(attempt_key(&a, "gamma"), attempt_key(&b, "gamma"));
        assert_ne!(attempt_key(&a, "gamma"), attempt_key(&a, "poisson"));
        assert_ne!(attempt_key(&a, "gamma"), *a.key());
        // The path is the documented one.
        let d = DerivedKey::new(
            a.key(),
            &["cbrng.attempts".into(), "gamma".into(), 0u64.into()],
        );
        assert_eq!(
            attempt_key(&a, "gamma"),
            d.key_for(Algorithm::PHILOX4X32_10)
        );
    }
}

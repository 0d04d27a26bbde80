//! Large bit fills with streaming (non-temporal) stores, on x86-64.
//!
//! A fill of many MiB does not fit in the caches: ordinary stores then read
//! every output line from memory before overwriting it, so memory carries
//! the output twice. Here the words are made a piece at a time into a buffer
//! in L1 (by the same block kernels, so the same bits) and copied out with
//! non-temporal stores, which write whole lines without reading them. Only
//! parts of at least [`STREAM_MIN_BYTES`] take this path: a smaller output
//! may be read again soon and is better left in the cache.

use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_sfence, _mm_stream_si128};

/// Least output (bytes, per call: per thread's part) written with streaming
/// stores: half the L3 of the machine the bench runs on (32 MiB).
pub(crate) const STREAM_MIN_BYTES: usize = 16 << 20;

/// Words made per piece: a multiple of every backend's step (768 words is
/// the least common multiple of the AVX2 and AVX-512 steps), 6 or 12 KiB.
const PIECE_WORDS: usize = 1536;

/// Fills `out` with native words `[first, first + out.len())` of a
/// generator with `words_per_block` words per block, where
/// `plain(i, part)` makes the words from `i` into `part` with ordinary
/// stores, through an L1 buffer and streaming stores. Returns false (and writes nothing) when `out`'s
/// address and the stream position cannot both be aligned (16-byte stores,
/// whole blocks per piece); the caller then takes the ordinary path.
pub(crate) fn fill_native_streamed<W: bytemuck::Pod + Default>(
    words_per_block: usize,
    first: u128,
    out: &mut [W],
    plain: impl Fn(u128, &mut [W]),
) -> bool {
    let w = std::mem::size_of::<W>();
    let per_line = 16 / w; // words per 16-byte store
    let a = out.as_ptr().align_offset(16);
    // The first word streamed must start a block and a 16-byte line.
    let Some(head) = (0..words_per_block)
        .map(|k| a + k * per_line)
        .find(|&h| (first + h as u128).is_multiple_of(words_per_block as u128))
    else {
        return false;
    };
    if head >= out.len() {
        return false;
    }
    let (h, rest) = out.split_at_mut(head);
    plain(first, h);
    let mut i = first + head as u128;
    let mut buf = [W::default(); PIECE_WORDS];
    let mut pieces = rest.chunks_exact_mut(PIECE_WORDS);
    for piece in &mut pieces {
        plain(i, &mut buf);
        stream_copy(bytemuck::cast_slice_mut(piece), bytemuck::cast_slice(&buf));
        i += PIECE_WORDS as u128;
    }
    plain(i, pieces.into_remainder());
    // Streaming stores are weakly ordered: make them visible before the
    // fill returns (and before a thread's part is joined).
    // SAFETY: SSE is part of every x86-64 target.
    unsafe { _mm_sfence() };
    true
}

/// `dst = src` with 16-byte non-temporal stores; `dst` is 16-byte aligned and
/// both are a whole number of 16-byte lines long.
fn stream_copy(dst: &mut [u8], src: &[u8]) {
    assert!(
        dst.len() == src.len()
            && dst.len().is_multiple_of(16)
            && dst.as_ptr().align_offset(16) == 0
    );
    for i in (0..dst.len()).step_by(16) {
        // SAFETY: i + 16 <= len for both slices (checked above); the load is
        // unaligned, the store aligned (checked above). SSE2 is part of every
        // x86-64 target.
        unsafe {
            let v = _mm_loadu_si128(src.as_ptr().add(i) as *const __m128i);
            _mm_stream_si128(dst.as_mut_ptr().add(i) as *mut __m128i, v);
        }
    }
}

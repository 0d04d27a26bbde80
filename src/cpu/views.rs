//! The stream's views as the CPU engine makes them: a generator's native
//! words (u32 or u64) for any range of one stream, and the u8, u32 and u64
//! views of them that the contract defines (`crate::dist`'s table). The
//! contract (`crate::stream`: keys, counters, lengths) sits below this
//! module and the Stream API above it: `Stream::fill` checks the range and
//! calls the engine (`cpu::fill`), which calls these; nothing here calls
//! back up.

use super::CpuBackend;
use crate::generator::KeyedBlocks;

/// Words generated per step into a stack buffer by the view conversions.
const CHUNK_WORDS: usize = 256;

/// Fills `out` with native words `[first, first + out.len())` of stream `s`.
/// The range must already be checked.
#[inline]
pub(crate) fn fill_native<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [G::Word],
) {
    if out.is_empty() {
        return;
    }
    let n = G::N;
    let mut b = (first / n as u128) as u64;
    let skip = (first % n as u128) as usize;
    let mut block = [G::Word::default(); 4];
    let mut pos = 0;
    // Head: the part of the first block at or after `first`.
    if skip != 0 {
        g.block(b, s, &mut block);
        let take = (n - skip).min(out.len());
        out[..take].copy_from_slice(&block[skip..skip + take]);
        pos = take;
        b = b.wrapping_add(1);
    }
    // Whole blocks straight into the output, several at a time.
    let whole = (out.len() - pos) / n * n;
    g.blocks(be, b, s, &mut out[pos..pos + whole]);
    b = b.wrapping_add((whole / n) as u64);
    // Tail.
    let rest = &mut out[pos + whole..];
    if !rest.is_empty() {
        g.block(b, s, &mut block);
        let k = rest.len();
        rest.copy_from_slice(&block[..k]);
    }
}

/// Conversions from a generator's native words to the u32 and u64 views
/// (an implementation detail of [`crate::generator::Word`]).
#[doc(hidden)]
pub trait Views: Sized {
    fn fill_u32<G: KeyedBlocks<Word = Self>>(
        g: &G,
        be: CpuBackend,
        s: u64,
        first: u128,
        out: &mut [u32],
    );
    fn fill_u64<G: KeyedBlocks<Word = Self>>(
        g: &G,
        be: CpuBackend,
        s: u64,
        first: u128,
        out: &mut [u64],
    );
}

impl Views for u32 {
    fn fill_u32<G: KeyedBlocks<Word = u32>>(
        g: &G,
        be: CpuBackend,
        s: u64,
        first: u128,
        out: &mut [u32],
    ) {
        fill_native(g, be, s, first, out)
    }
    fn fill_u64<G: KeyedBlocks<Word = u32>>(
        g: &G,
        be: CpuBackend,
        s: u64,
        first: u128,
        out: &mut [u64],
    ) {
        // u64 element j joins u32 elements 2j (low) and 2j+1 (high): on a
        // little-endian machine that is the u32 words' own byte order.
        if cfg!(target_endian = "little") {
            fill_native(g, be, s, 2 * first, bytemuck::cast_slice_mut(out));
            return;
        }
        let mut buf = [0u32; CHUNK_WORDS];
        let mut j = first;
        for c in out.chunks_mut(CHUNK_WORDS / 2) {
            let raw = &mut buf[..2 * c.len()];
            fill_native(g, be, s, 2 * j, raw);
            for (o, pair) in c.iter_mut().zip(raw.chunks_exact(2)) {
                *o = u64::from(pair[0]) | (u64::from(pair[1]) << 32);
            }
            j += c.len() as u128;
        }
    }
}

impl Views for u64 {
    fn fill_u32<G: KeyedBlocks<Word = u64>>(
        g: &G,
        be: CpuBackend,
        s: u64,
        first: u128,
        out: &mut [u32],
    ) {
        // u32 element i is the low (even i) or high (odd i) half of u64
        // element i/2: on a little-endian machine, the u64 words' own bytes.
        if cfg!(target_endian = "little") {
            fill_native_bytes(g, be, s, 4 * first, bytemuck::cast_slice_mut(out));
            return;
        }
        let mut buf = [0u64; CHUNK_WORDS / 2 + 1];
        let mut i = first;
        for c in out.chunks_mut(CHUNK_WORDS) {
            let w0 = i / 2;
            let w1 = (i + c.len() as u128).div_ceil(2);
            let raw = &mut buf[..(w1 - w0) as usize];
            fill_native(g, be, s, w0, raw);
            let odd = (i % 2) as usize;
            for (k, o) in c.iter_mut().enumerate() {
                let e = k + odd;
                *o = (raw[e / 2] >> (32 * (e % 2))) as u32;
            }
            i += c.len() as u128;
        }
    }
    fn fill_u64<G: KeyedBlocks<Word = u64>>(
        g: &G,
        be: CpuBackend,
        s: u64,
        first: u128,
        out: &mut [u64],
    ) {
        fill_native(g, be, s, first, out)
    }
}

/// Bytes `[first, first + out.len())` of the stream's native words laid out
/// little-endian, one after another: on a little-endian machine, what the
/// words are in memory. Whole words go straight into the part of `out`
/// aligned for them (no per-element work); a head and tail, or all of `out`
/// when its alignment does not match the words', go through a stack buffer
/// and one copy. Only for little-endian targets (callers check).
fn fill_native_bytes<G: KeyedBlocks>(g: &G, be: CpuBackend, s: u64, first: u128, out: &mut [u8]) {
    let w = std::mem::size_of::<G::Word>();
    let head = out
        .as_ptr()
        .align_offset(std::mem::align_of::<G::Word>())
        .min(out.len());
    if !(first + head as u128).is_multiple_of(w as u128) {
        return bytes_via_buffer(g, be, s, first, out);
    }
    let (head, mid, tail) = bytemuck::pod_align_to_mut::<u8, G::Word>(out);
    let (h, m) = (head.len() as u128, mid.len() as u128);
    bytes_via_buffer(g, be, s, first, head);
    fill_native(g, be, s, (first + h) / w as u128, mid);
    bytes_via_buffer(g, be, s, first + h + m * w as u128, tail);
}

/// [`fill_native_bytes`] through a stack buffer of words and a copy.
fn bytes_via_buffer<G: KeyedBlocks>(g: &G, be: CpuBackend, s: u64, first: u128, out: &mut [u8]) {
    let w = std::mem::size_of::<G::Word>();
    let mut buf = [G::Word::default(); CHUNK_WORDS + 1];
    let mut i = first;
    for c in out.chunks_mut(CHUNK_WORDS * w) {
        let w0 = i / w as u128;
        let w1 = (i + c.len() as u128).div_ceil(w as u128);
        let raw = &mut buf[..(w1 - w0) as usize];
        fill_native(g, be, s, w0, raw);
        let skip = (i % w as u128) as usize;
        c.copy_from_slice(&bytemuck::cast_slice::<G::Word, u8>(raw)[skip..skip + c.len()]);
        i += c.len() as u128;
    }
}

/// u8 view `[first, first + out.len())` of stream `s` (range already
/// checked): u8 element i is byte `i mod 4` (little-endian) of u32 element
/// `i / 4`, i.e. the stream's bytes.
pub(crate) fn fill_u8_view<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [u8],
) {
    if cfg!(target_endian = "little") {
        return fill_native_bytes(g, be, s, first, out);
    }
    let mut buf = [0u32; CHUNK_WORDS + 1];
    let mut i = first;
    for c in out.chunks_mut(CHUNK_WORDS * 4) {
        let w0 = i / 4;
        let w1 = (i + c.len() as u128).div_ceil(4);
        let raw = &mut buf[..(w1 - w0) as usize];
        fill_u32_view(g, be, s, w0, raw);
        let skip = (i % 4) as usize;
        for (k, o) in c.iter_mut().enumerate() {
            let e = k + skip;
            *o = (raw[e / 4] >> (8 * (e % 4))) as u8;
        }
        i += c.len() as u128;
    }
}

/// u32 view `[first, first + out.len())` of stream `s` (range already checked).
#[inline]
pub(crate) fn fill_u32_view<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [u32],
) {
    <G::Word as Views>::fill_u32(g, be, s, first, out)
}

/// u64 view `[first, first + out.len())` of stream `s` (range already checked).
#[inline]
pub(crate) fn fill_u64_view<G: KeyedBlocks>(
    g: &G,
    be: CpuBackend,
    s: u64,
    first: u128,
    out: &mut [u64],
) {
    <G::Word as Views>::fill_u64(g, be, s, first, out)
}

//! Splitting a fill over threads. Every slice of a stream can be made on its
//! own, so the parts are independent and the bytes do not depend on how many
//! threads made them.

use std::sync::Mutex;

/// Least output a thread is given; smaller fills stay on fewer threads
/// (starting a thread costs tens of microseconds).
pub const MIN_PART_BYTES: usize = 256 * 1024;

/// Parts are cut at multiples of this many elements: in the usual aligned
/// case no two threads then write the same cache line. Correctness never
/// depends on it.
const GRAIN: usize = 64;

/// Output that can be cut into consecutive parts for threads: a slice, or
/// several slices indexed alike (a tensor and its masks).
pub(crate) trait Parts: Send + Sized {
    /// Number of elements.
    fn len(&self) -> usize;
    /// Bytes per element (only used to decide how many threads to use).
    fn element_bytes(&self) -> usize;
    /// Elements `[0, mid)` and `[mid, len)`; `mid` is a multiple of 64.
    fn split_at(self, mid: usize) -> (Self, Self);
}

impl<T: Send> Parts for &mut [T] {
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn element_bytes(&self) -> usize {
        std::mem::size_of::<T>().max(1)
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
}

/// Runs `fill(first, part)` on consecutive parts of `out` covering it, on at
/// most `threads` threads (the calling thread makes the last part).
/// `first` is the index of `part[0]` within `out`.
pub(crate) fn for_parts<P: Parts>(out: P, threads: usize, fill: impl Fn(usize, P) + Sync) {
    let n = out.len();
    let bytes = n.saturating_mul(out.element_bytes());
    let parts = threads.min(bytes / MIN_PART_BYTES).max(1);
    if parts == 1 {
        fill(0, out);
        return;
    }
    // Equal parts rounded up to the grain; the last part takes the rest.
    let per = n.div_ceil(parts).div_ceil(GRAIN) * GRAIN;
    let mut slots = Vec::with_capacity(parts);
    let mut rest = out;
    let mut first = 0;
    while rest.len() > per {
        let (part, tail) = rest.split_at(per);
        slots.push(Mutex::new(Some((first, part))));
        first += per;
        rest = tail;
    }
    // Makes the part in `slot` unless someone already took it.
    let run = |slot: &Mutex<Option<(usize, P)>>| {
        let taken = slot.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((at, part)) = taken {
            fill(at, part);
        }
    };
    std::thread::scope(|scope| {
        for slot in &slots {
            // A thread the OS refuses is not an error: the part is then made
            // here (the bytes do not depend on which thread makes them).
            if std::thread::Builder::new()
                .spawn_scoped(scope, || run(slot))
                .is_err()
            {
                run(slot);
            }
        }
        fill(first, rest);
    });
}

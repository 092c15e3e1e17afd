//! A slab that grows by whole chunks and never moves what it holds.
//!
//! The flow table keeps every open flow in a slab addressed by `u32`
//! index. A plain `Vec` doubles by reallocating, which copies every flow
//! into freshly faulted pages: on a capture with 150 000 open flows that
//! copy and the kernel's zeroing of the new pages cost more than a tenth
//! of the whole decode-and-flow stage. Chunks of fixed capacity are
//! allocated once and only appended to, so growth costs one allocation per
//! chunk, pages are touched only when a slot is first used, and a slot's
//! address is stable for its life.

/// Slots per chunk (a power of two, so an index splits with a shift and
/// a mask).
const CHUNK_SHIFT: u32 = 12;
const CHUNK: usize = 1 << CHUNK_SHIFT;
const MASK: usize = CHUNK - 1;

/// An append-only sequence of `T` in fixed-size chunks, indexed like a
/// `Vec`.
pub(crate) struct ChunkedSlab<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for ChunkedSlab<T> {
    fn default() -> Self {
        ChunkedSlab {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> ChunkedSlab<T> {
    /// Slots ever pushed.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The slot at `i`, if one was pushed there.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i >> CHUNK_SHIFT)?.get(i & MASK)
    }

    /// The slot at `i`, mutably, if one was pushed there.
    #[inline]
    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.chunks.get_mut(i >> CHUNK_SHIFT)?.get_mut(i & MASK)
    }

    /// Appends `value` and returns its index.
    pub(crate) fn push(&mut self, value: T) -> usize {
        let full = self.chunks.last().is_none_or(|c| c.len() == CHUNK);
        if full {
            // Exact capacity: the chunk never reallocates, so no slot moves.
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(value);
        }
        self.len += 1;
        self.len - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_span_chunks_and_slots_never_move() {
        let mut slab = ChunkedSlab::default();
        for i in 0..(CHUNK * 2 + 5) {
            assert_eq!(slab.push(i as u64), i);
        }
        assert_eq!(slab.len(), CHUNK * 2 + 5);
        let first: *const u64 = slab.get(0).unwrap();
        for i in 0..1000 {
            slab.push(i);
        }
        assert_eq!(first, slab.get(0).unwrap() as *const u64);
        assert_eq!(slab.get(CHUNK), Some(&(CHUNK as u64)));
        assert_eq!(slab.get(CHUNK * 2 + 4), Some(&(CHUNK as u64 * 2 + 4)));
        *slab.get_mut(CHUNK + 1).unwrap() = 7;
        assert_eq!(slab.get(CHUNK + 1), Some(&7));
        assert_eq!(slab.get(slab.len()), None);
        assert_eq!(slab.get(usize::MAX), None);
    }
}

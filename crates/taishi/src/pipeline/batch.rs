//! Batches of frames travelling from the reading thread to one worker.

use crossbeam_channel::{Receiver, Sender};
use taishi_core::{LinkType, Timestamp};

/// Frames per batch: enough to amortise a channel operation (~100 ns) to
/// under one nanosecond per packet, few enough to keep latency low.
const BATCH_PACKETS: usize = 256;

/// Bytes per batch buffer (frames are copied in back to back).
const BATCH_BYTES: usize = 256 * 1024;

/// Batches in flight per worker. Bounded so a slow worker applies
/// back-pressure to the reader instead of growing memory.
const BATCHES_IN_FLIGHT: usize = 16;

/// Where one frame sits in a batch.
pub struct Meta {
    /// Capture time.
    pub ts: Timestamp,
    /// Link type.
    pub linktype: LinkType,
    /// Length on the wire.
    pub wire_len: u32,
    start: u32,
    len: u32,
}

/// Frames copied back to back, with their metadata.
pub struct Batch {
    buf: Vec<u8>,
    /// The frames, in arrival order.
    pub metas: Vec<Meta>,
    /// Ask the worker to publish a counter snapshot after this batch.
    pub want_stats: bool,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            buf: Vec::with_capacity(BATCH_BYTES),
            metas: Vec::with_capacity(BATCH_PACKETS),
            want_stats: false,
        }
    }

    /// The bytes of one frame of this batch.
    pub fn frame(&self, m: &Meta) -> &[u8] {
        self.buf
            .get(m.start as usize..(m.start + m.len) as usize)
            .unwrap_or(&[])
    }

    /// Empties the batch for reuse, keeping its allocations.
    pub fn cleared(mut self) -> Batch {
        self.buf.clear();
        self.metas.clear();
        self.want_stats = false;
        self
    }
}

/// The reader's end of one worker's queue.
pub struct Lane {
    current: Batch,
    tx: Sender<Batch>,
    recycled: Receiver<Batch>,
}

impl Lane {
    /// A lane, the worker's receiving end, and the worker's recycling sender.
    pub fn new() -> (Lane, Receiver<Batch>, Sender<Batch>) {
        let (tx, rx) = crossbeam_channel::bounded(BATCHES_IN_FLIGHT);
        let (recycle_tx, recycled) = crossbeam_channel::bounded(BATCHES_IN_FLIGHT + 2);
        (
            Lane {
                current: Batch::new(),
                tx,
                recycled,
            },
            rx,
            recycle_tx,
        )
    }

    /// Appends a frame, sending the batch when full.
    pub fn push(&mut self, ts: Timestamp, linktype: LinkType, frame: &[u8], wire_len: u32) {
        if self.current.metas.len() >= BATCH_PACKETS
            || self.current.buf.len() + frame.len() > BATCH_BYTES
        {
            self.send();
        }
        let start = self.current.buf.len() as u32;
        self.current.buf.extend_from_slice(frame);
        self.current.metas.push(Meta {
            ts,
            linktype,
            wire_len,
            start,
            len: frame.len() as u32,
        });
    }

    /// Marks the current batch so the worker publishes its counters.
    pub fn request_stats(&mut self) {
        self.current.want_stats = true;
        self.send();
    }

    fn send(&mut self) {
        let next = self.recycled.try_recv().unwrap_or_else(|_| Batch::new());
        let full = std::mem::replace(&mut self.current, next);
        // A send fails only when the worker is gone (it panicked); the join
        // reports that, so the batch is dropped here.
        let _ = self.tx.send(full);
    }

    /// Sends what is left and closes the queue.
    pub fn close(mut self) {
        if !self.current.metas.is_empty() {
            self.send();
        }
    }
}

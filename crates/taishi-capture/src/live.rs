//! Live capture through libpcap.
//!
//! The capture is opened in immediate mode with a 100 ms read timeout. That
//! timeout alone does not make a blocked read return on Linux (libpcap 1.10
//! polls again when it expires with nothing read), so a small watcher thread
//! turns the stop flag a signal handler sets into `pcap_breakloop`, which
//! wakes the blocked read at once. The watcher looks at the flag every 50 ms
//! and ends with the source.
//! Each frame is copied once into a reused buffer: handing out libpcap's own
//! buffer would need a borrow that survives the timeout retry loop, which the
//! borrow checker cannot express yet; one memcpy per frame is small next to
//! what the kernel and libpcap already do for it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pcap::{Active, Capture, Precision};
use taishi_core::limits::MAX_FRAME_LEN;
use taishi_core::{LinkType, Timestamp};

use crate::error::CaptureError;
use crate::{CaptureWarning, PacketSource, RawPacket, SourceStats};

/// Read timeout: how long a stop request may wait to be noticed on an idle
/// interface.
const READ_TIMEOUT_MS: i32 = 100;

/// Frames between two refreshes of the kernel counters (one `getsockopt`
/// each), so that `stats()` stays current without a system call per frame.
/// On a quiet link they are also refreshed once a second of packet time.
const STATS_EVERY: u64 = 1024;

/// Kernel buffer for the capture: 32 MiB rides out a few hundred
/// milliseconds of a busy gigabit link while the pipeline catches up.
const KERNEL_BUFFER: i32 = 32 << 20;

/// How often the watcher thread looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(50);

/// Frames from a network interface, through libpcap.
pub struct LiveSource {
    iface: String,
    cap: Capture<Active>,
    linktype: LinkType,
    stop: Arc<AtomicBool>,
    /// Set when the source is dropped, so the watcher thread ends.
    closed: Arc<AtomicBool>,
    buf: Vec<u8>,
    frames: u64,
    /// Packet time after which the counters are refreshed whatever the count.
    next_stats: Timestamp,
    stats: SourceStats,
}

impl LiveSource {
    /// Opens `iface` (promiscuous, snaplen 262144, immediate mode with a
    /// 100 ms read timeout so a stop request is noticed), applies the BPF
    /// filter when given.
    pub fn open(iface: &str, bpf: Option<&str>) -> Result<LiveSource, CaptureError> {
        let fail = |what: &str, e: pcap::Error| CaptureError::Live {
            iface: iface.to_string(),
            reason: format!("{what}: {e}"),
        };
        let mut cap = Capture::from_device(iface)
            .map_err(|e| fail("cannot open interface", e))?
            .promisc(true)
            .snaplen(MAX_FRAME_LEN as i32)
            .immediate_mode(true)
            .timeout(READ_TIMEOUT_MS)
            .buffer_size(KERNEL_BUFFER)
            .precision(Precision::Nano)
            .open()
            .map_err(|e| fail("cannot open interface", e))?;
        if let Some(f) = bpf {
            cap.filter(f, true)
                .map_err(|e| fail(&format!("bad filter {f:?}"), e))?;
        }
        let linktype = LinkType(cap.get_datalink().0 as u32);
        let stop = Arc::new(AtomicBool::new(false));
        let closed = Arc::new(AtomicBool::new(false));
        let breaker = cap.breakloop_handle();
        let (stop2, closed2) = (stop.clone(), closed.clone());
        std::thread::Builder::new()
            .name(format!("stop-{iface}"))
            .spawn(move || {
                while !closed2.load(Ordering::Relaxed) {
                    if stop2.load(Ordering::Relaxed) {
                        breaker.breakloop();
                        return;
                    }
                    std::thread::sleep(STOP_POLL);
                }
            })
            .map_err(|e| CaptureError::Live {
                iface: iface.to_string(),
                reason: format!("cannot start the stop watcher: {e}"),
            })?;
        Ok(LiveSource {
            iface: iface.to_string(),
            cap,
            linktype,
            stop,
            closed,
            buf: Vec::with_capacity(MAX_FRAME_LEN),
            frames: 0,
            next_stats: Timestamp(0),
            stats: SourceStats::default(),
        })
    }

    /// A handle another thread (the SIGINT/SIGTERM handler) sets to make
    /// `next_packet` return `Ok(None)` promptly.
    pub fn stop_handle(&self) -> Arc<AtomicBool> {
        self.stop.clone()
    }

    /// The interface's link-layer type.
    pub fn linktype(&self) -> LinkType {
        self.linktype
    }

    fn refresh_stats(&mut self) {
        // A failing pcap_stats only leaves the counters as they were.
        if let Ok(s) = self.cap.stats() {
            self.stats.received = s.received as u64;
            self.stats.kernel_dropped = s.dropped as u64;
            self.stats.if_dropped = s.if_dropped as u64;
        }
    }
}

impl Drop for LiveSource {
    fn drop(&mut self) {
        self.closed.store(true, Ordering::Relaxed);
    }
}

impl PacketSource for LiveSource {
    fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        let ts = loop {
            if self.stop.load(Ordering::Relaxed) {
                self.refresh_stats();
                return Ok(None);
            }
            match self.cap.next_packet() {
                Ok(p) => {
                    let n = p.data.len().min(MAX_FRAME_LEN);
                    self.buf.clear();
                    self.buf.extend_from_slice(&p.data[..n]);
                    let h = p.header;
                    // Precision::Nano makes tv_usec hold nanoseconds.
                    let ts = Timestamp::new(
                        h.ts.tv_sec.max(0) as u64,
                        h.ts.tv_usec.clamp(0, 999_999_999) as u32,
                    );
                    break (ts, h.len);
                }
                Err(pcap::Error::TimeoutExpired) => self.refresh_stats(),
                // pcap_breakloop makes the read return PCAP_ERROR_BREAK,
                // which the crate reports as the end of a savefile.
                Err(pcap::Error::NoMorePackets) => {
                    self.refresh_stats();
                    return Ok(None);
                }
                Err(e) => {
                    return Err(CaptureError::Live {
                        iface: self.iface.clone(),
                        reason: format!("read failed: {e}"),
                    });
                }
            }
        };
        self.frames += 1;
        if self.frames.is_multiple_of(STATS_EVERY) || ts.0 >= self.next_stats {
            self.next_stats = ts.0.plus_secs(1);
            self.refresh_stats();
        }
        Ok(Some(RawPacket {
            ts: ts.0,
            linktype: self.linktype,
            data: &self.buf,
            wire_len: ts.1,
            iface: 0,
        }))
    }

    fn take_warnings(&mut self) -> Vec<CaptureWarning> {
        Vec::new()
    }

    fn bytes_read(&self) -> u64 {
        0
    }

    fn total_bytes(&self) -> Option<u64> {
        None
    }

    fn stats(&self) -> SourceStats {
        self.stats
    }
}

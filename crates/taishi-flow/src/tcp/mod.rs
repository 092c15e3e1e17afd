//! TCP session tracking: the handshake, the close, and the two reassembled
//! streams.
//!
//! States and their names follow Suricata (`stream-tcp.c`), including its
//! habit of naming close states from the server's side: a FIN from the
//! client moves an established session to `close_wait`, one from the
//! server to `fin_wait1`. A RST closes the session at once, with one
//! exception taken from Suricata: a RST carrying an MD5 signature or TCP-AO
//! option, whose key nobody on the path has, may be forged. It closes the
//! session, but if its sender then goes on talking the RST was not real:
//! the session resumes where it was and the packet raises
//! `stream.suspected_rst_inject`.
//!
//! A session starts on a SYN. Without one, `stream.midstream` decides: when
//! true the session is picked up where it is (state `established`, or
//! `syn_recv` from a SYN-ACK) and counted in `tcp.midstream_pickups`; when
//! false (the default) no session is made, so the flow still counts its
//! packets but nothing is reassembled, as Suricata does. A SYN-ACK is also
//! picked up under `stream.async-oneside`, as Suricata does: a capture
//! that holds only the server's side of a session starts with one.

pub mod reassembly;

use taishi_decode::packet::{TcpInfo, tcp_flags};

use crate::applayer::Direction;
use crate::flow::FlowState;
use reassembly::{Out, Reassembler, Stream};

/// State of a TCP session (Suricata's names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TcpState {
    /// No session (not TCP, or no SYN seen and mid-stream pick-up off).
    #[default]
    None,
    /// The client sent a SYN.
    SynSent,
    /// The server answered with a SYN-ACK.
    SynRecv,
    /// Handshake complete (or picked up mid-stream).
    Established,
    /// The server sent a FIN.
    FinWait1,
    /// The client acknowledged the server's FIN.
    FinWait2,
    /// Both FINs seen and acknowledged on one side.
    TimeWait,
    /// The client sent a FIN, then the server did.
    LastAck,
    /// The client sent a FIN.
    CloseWait,
    /// Both sides sent a FIN before either was acknowledged.
    Closing,
    /// Closed by the last ACK or by a RST.
    Closed,
}

impl TcpState {
    /// Name as Suricata prints it in EVE `tcp.state`.
    pub fn name(self) -> &'static str {
        match self {
            TcpState::None => "none",
            TcpState::SynSent => "syn_sent",
            TcpState::SynRecv => "syn_recv",
            TcpState::Established => "established",
            TcpState::FinWait1 => "fin_wait1",
            TcpState::FinWait2 => "fin_wait2",
            TcpState::TimeWait => "time_wait",
            TcpState::LastAck => "last_ack",
            TcpState::CloseWait => "close_wait",
            TcpState::Closing => "closing",
            TcpState::Closed => "closed",
        }
    }

    /// The flow state this session state implies (Suricata's
    /// `StreamTcpPacketSetState`).
    pub fn flow_state(self) -> FlowState {
        match self {
            TcpState::None | TcpState::SynSent | TcpState::SynRecv => FlowState::New,
            TcpState::Established
            | TcpState::FinWait1
            | TcpState::FinWait2
            | TcpState::Closing
            | TcpState::CloseWait => FlowState::Established,
            TcpState::LastAck | TcpState::TimeWait | TcpState::Closed => FlowState::Closed,
        }
    }
}

/// Which sessions may start without a SYN.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Pickup {
    /// `stream.midstream`: any packet starts a session.
    pub midstream: bool,
    /// `stream.async-oneside`: a SYN-ACK starts one.
    pub async_oneside: bool,
}

/// Session counters (Suricata's `tcp.*` names).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TcpStats {
    pub sessions: u64,
    pub syn: u64,
    pub synack: u64,
    pub rst: u64,
    pub midstream_pickups: u64,
    /// Segments left out of their session for a wrong checksum
    /// (`stream.checksum-validation`).
    pub invalid_checksum: u64,
}

/// What a worker keeps per TCP flow beyond the flow itself.
#[derive(Debug, Default)]
pub(crate) struct TcpSession {
    /// Streams by direction: `[to server, to client]`.
    pub streams: [Stream; 2],
    client_isn: u32,
    /// The client SYN's timestamp value (`None`: the SYN had no timestamp
    /// option), which the server's answers must echo.
    client_ts: Option<u32>,
    /// Sequence number after each side's FIN, once seen.
    fin_next: [Option<u32>; 2],
    /// By sending direction: a RST with a signature option we cannot check
    /// closed the session (Suricata's `STREAMTCP_STREAM_FLAG_RST_RECV`,
    /// kept on the receiver's stream there).
    signed_rst: [bool; 2],
    /// The state such a RST closed, to resume if it proves forged.
    before_rst: TcpState,
}

impl TcpSession {
    /// Swaps the per-direction bookkeeping (FINs, signed RSTs) when the
    /// flow is reversed.
    pub(crate) fn swap_directions(&mut self) {
        self.fin_next.swap(0, 1);
        self.signed_rst.swap(0, 1);
    }

    /// A RST closes the session. One with a signature option is
    /// remembered, so that its sender talking on can undo it.
    fn close_by_rst(&mut self, state: &mut TcpState, s: usize, tcp: &TcpInfo) {
        if tcp.options.signed {
            self.signed_rst[s] = true;
            self.before_rst = *state;
        }
        *state = TcpState::Closed;
    }
}

/// Serial-arithmetic `a >= b` (RFC 1982).
fn seq_geq(a: u32, b: u32) -> bool {
    a.wrapping_sub(b) as i32 >= 0
}

impl TcpSession {
    fn acks_fin_of(&self, side: Direction, ack: u32) -> bool {
        self.fin_next[side.index()].is_some_and(|f| seq_geq(ack, f))
    }

    /// Whether a server packet answering the client's SYN echoes its
    /// timestamp (Suricata's `StateSynSentValidateTimestamp`). Linux drops
    /// an answer that does not, so an attacker can send a RST or FIN that
    /// Linux ignores but a naive monitor takes as the end of the session
    /// (Suricata bug 3286).
    fn echoes_syn_timestamp(&self, tcp: &TcpInfo) -> bool {
        let Some((_, echo)) = tcp.options.timestamp else {
            return true;
        };
        match self.client_ts {
            Some(ts) => ts == 0 || echo == 0 || echo == ts,
            None => echo == 0,
        }
    }

    /// Tracks one packet of the flow, sent in `dir`. Reassembled data and
    /// anomalies go to `out` with the direction of the stream they belong to.
    #[allow(clippy::too_many_arguments)] // the session's context, passed as disjoint borrows
    pub(crate) fn packet(
        &mut self,
        state: &mut TcpState,
        dir: Direction,
        tcp: &TcpInfo,
        payload: &[u8],
        pickup: Pickup,
        rs: &mut Reassembler,
        stats: &mut TcpStats,
        out: &mut dyn FnMut(Direction, Out<'_>),
    ) {
        let f = tcp.flags;
        let syn = f & tcp_flags::SYN != 0;
        let ack = f & tcp_flags::ACK != 0;
        let fin = f & tcp_flags::FIN != 0;
        let rst = f & tcp_flags::RST != 0;
        if syn {
            if ack {
                stats.synack += 1;
            } else {
                stats.syn += 1;
            }
        }
        if rst {
            stats.rst += 1;
        }
        let (s, r) = (dir.index(), dir.reverse().index());

        // Suricata's `StreamTcpPacketStateClosed` and
        // `StreamTcpPacketCheckPostRst`: the sender of a signed RST goes on
        // (while its peer sent none), so the peer cannot have taken it.
        if *state == TcpState::Closed && !rst && self.signed_rst[s] && !self.signed_rst[r] {
            self.signed_rst[s] = false;
            *state = self.before_rst;
            out(dir, Out::Event("stream.suspected_rst_inject"));
        }

        match *state {
            TcpState::None => {
                if rst {
                    out(dir, Out::Event("stream.rst_but_no_session"));
                    return;
                }
                if fin && !syn {
                    out(dir, Out::Event("stream.fin_but_no_session"));
                    return;
                }
                if syn && !ack {
                    *state = TcpState::SynSent;
                    stats.sessions += 1;
                    self.client_isn = tcp.seq;
                    self.client_ts = tcp.options.timestamp.map(|(val, _)| val);
                    self.streams[s].start(tcp.seq.wrapping_add(1));
                    // TCP Fast Open data rides on the SYN.
                    self.data(dir, tcp.seq.wrapping_add(1), payload, rs, out);
                    return;
                }
                if !(pickup.midstream || (syn && ack && pickup.async_oneside)) {
                    return;
                }
                stats.sessions += 1;
                stats.midstream_pickups += 1;
                if syn {
                    *state = TcpState::SynRecv;
                    self.streams[s].start(tcp.seq.wrapping_add(1));
                    self.streams[r].start(tcp.ack);
                    return;
                }
                *state = TcpState::Established;
                self.streams[s].start(tcp.seq);
                if ack {
                    self.streams[r].start(tcp.ack);
                }
            }
            TcpState::SynSent => {
                if dir == Direction::ToClient && !self.echoes_syn_timestamp(tcp) {
                    if syn && ack && tcp.ack != self.client_isn.wrapping_add(1) {
                        out(dir, Out::Event("stream.3whs_synack_with_wrong_ack"));
                    } else {
                        out(dir, Out::Event("stream.pkt_invalid_timestamp"));
                    }
                    return;
                }
                if rst {
                    // The client aborts its own attempt only with a RST
                    // that looks like the answer to its SYN; the server's
                    // RST (which echoed the SYN's timestamp) ends it.
                    let aborts = dir == Direction::ToClient
                        || (tcp.seq == self.client_isn
                            && tcp.window == 0
                            && tcp.ack == self.client_isn.wrapping_add(1));
                    if aborts {
                        *state = TcpState::Closed;
                    }
                    return;
                }
                match dir {
                    Direction::ToServer if syn => {
                        if tcp.seq != self.client_isn {
                            // A new attempt on the same tuple: follow it.
                            out(dir, Out::Event("stream.3whs_syn_resend_diff_seq"));
                            self.client_isn = tcp.seq;
                            self.client_ts = tcp.options.timestamp.map(|(val, _)| val);
                            self.streams[s] = Stream::default();
                            self.streams[s].start(tcp.seq.wrapping_add(1));
                        }
                        return;
                    }
                    Direction::ToClient if syn && ack => {
                        if tcp.ack != self.client_isn.wrapping_add(1) {
                            out(dir, Out::Event("stream.3whs_synack_with_wrong_ack"));
                            return;
                        }
                        *state = TcpState::SynRecv;
                        self.streams[s].start(tcp.seq.wrapping_add(1));
                        return;
                    }
                    Direction::ToServer if ack => {
                        // The SYN-ACK was not captured but the client goes
                        // on: its ACK tells where the server's stream starts.
                        *state = TcpState::Established;
                        if !self.streams[r].is_started() {
                            self.streams[r].start(tcp.ack);
                        }
                    }
                    _ => return,
                }
            }
            TcpState::SynRecv => {
                if rst {
                    self.close_by_rst(state, s, tcp);
                    return;
                }
                if syn {
                    return;
                }
                if ack {
                    *state = TcpState::Established;
                }
            }
            TcpState::Closed => return,
            _ => {
                if rst {
                    self.close_by_rst(state, s, tcp);
                    return;
                }
            }
        }

        let data_seq = if syn {
            tcp.seq.wrapping_add(1)
        } else {
            tcp.seq
        };
        self.data(dir, data_seq, payload, rs, out);
        if ack && self.streams[r].is_started() {
            let rdir = dir.reverse();
            self.streams[r].on_ack(tcp.ack, rs, &mut |o| out(rdir, o));
        }
        if fin {
            let after = data_seq.wrapping_add(payload.len() as u32);
            self.streams[s].set_fin(after);
            if self.fin_next[s].is_none() {
                self.fin_next[s] = Some(after.wrapping_add(1));
            }
        }
        let other = dir.reverse();
        let acks_other_fin = ack && self.acks_fin_of(other, tcp.ack);
        *state = match (*state, dir) {
            (TcpState::Established, Direction::ToServer) if fin => TcpState::CloseWait,
            (TcpState::Established, Direction::ToClient) if fin => TcpState::FinWait1,
            (TcpState::FinWait1, Direction::ToServer) if fin && acks_other_fin => {
                TcpState::TimeWait
            }
            (TcpState::FinWait1, Direction::ToServer) if fin => TcpState::Closing,
            (TcpState::FinWait1, Direction::ToServer) if acks_other_fin => TcpState::FinWait2,
            (TcpState::FinWait2, Direction::ToServer) if fin => TcpState::TimeWait,
            (TcpState::CloseWait, Direction::ToClient) if fin => TcpState::LastAck,
            (TcpState::LastAck, Direction::ToServer) if acks_other_fin => TcpState::Closed,
            (TcpState::Closing, _) if acks_other_fin => TcpState::TimeWait,
            (TcpState::TimeWait, _) if acks_other_fin => TcpState::Closed,
            (st, _) => st,
        };
    }

    fn data(
        &mut self,
        dir: Direction,
        seq: u32,
        payload: &[u8],
        rs: &mut Reassembler,
        out: &mut dyn FnMut(Direction, Out<'_>),
    ) {
        if payload.is_empty() {
            return;
        }
        let st = &mut self.streams[dir.index()];
        if !st.is_started() {
            // First bytes from a side whose start we never learnt.
            st.start(seq);
        }
        st.on_segment(seq, payload, rs, &mut |o| out(dir, o));
    }

    /// The flow ends: flush both streams (client's first).
    pub(crate) fn finish(&mut self, rs: &mut Reassembler, out: &mut dyn FnMut(Direction, Out<'_>)) {
        for dir in [Direction::ToServer, Direction::ToClient] {
            self.streams[dir.index()].finish(rs, &mut |o| out(dir, o));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use taishi_decode::packet::TcpOptions;
    use tcp_flags::*;

    fn seg(flags: u8, seq: u32, ack: u32) -> TcpInfo {
        TcpInfo {
            src_port: 1,
            dst_port: 2,
            seq,
            ack,
            flags,
            window: 1000,
            urgent: 0,
            header_len: 20,
            options: TcpOptions::default(),
        }
    }

    struct Run {
        sess: TcpSession,
        state: TcpState,
        rs: Reassembler,
        stats: TcpStats,
        events: Vec<&'static str>,
    }

    impl Run {
        fn new() -> Run {
            Run {
                sess: TcpSession::default(),
                state: TcpState::None,
                rs: Reassembler {
                    max_ooo: 16,
                    memcap: 1 << 20,
                    ..Default::default()
                },
                stats: TcpStats::default(),
                events: Vec::new(),
            }
        }
        fn pkt(
            &mut self,
            dir: Direction,
            flags: u8,
            seq: u32,
            ack: u32,
            midstream: bool,
        ) -> TcpState {
            self.seg(dir, &seg(flags, seq, ack), midstream)
        }
        fn seg(&mut self, dir: Direction, tcp: &TcpInfo, midstream: bool) -> TcpState {
            let ev = &mut self.events;
            self.sess.packet(
                &mut self.state,
                dir,
                tcp,
                b"",
                Pickup {
                    midstream,
                    async_oneside: false,
                },
                &mut self.rs,
                &mut self.stats,
                &mut |_, o| {
                    if let Out::Event(e) = o {
                        ev.push(e)
                    }
                },
            );
            self.state
        }
    }

    use Direction::{ToClient as C, ToServer as S};

    #[test]
    fn handshake_and_client_close() {
        let mut r = Run::new();
        assert_eq!(r.pkt(S, SYN, 100, 0, false), TcpState::SynSent);
        assert_eq!(r.pkt(C, SYN | ACK, 500, 101, false), TcpState::SynRecv);
        assert_eq!(r.pkt(S, ACK, 101, 501, false), TcpState::Established);
        assert_eq!(r.pkt(S, FIN | ACK, 101, 501, false), TcpState::CloseWait);
        assert_eq!(r.pkt(C, FIN | ACK, 501, 102, false), TcpState::LastAck);
        assert_eq!(r.pkt(S, ACK, 102, 502, false), TcpState::Closed);
        assert_eq!(TcpState::Closed.flow_state(), FlowState::Closed);
        assert_eq!((r.stats.syn, r.stats.synack, r.stats.sessions), (1, 1, 1));
    }

    #[test]
    fn server_close_paths() {
        let mut r = Run::new();
        r.pkt(S, SYN, 100, 0, false);
        r.pkt(C, SYN | ACK, 500, 101, false);
        r.pkt(S, ACK, 101, 501, false);
        assert_eq!(r.pkt(C, FIN | ACK, 501, 101, false), TcpState::FinWait1);
        assert_eq!(r.pkt(S, ACK, 101, 502, false), TcpState::FinWait2);
        assert_eq!(r.pkt(S, FIN | ACK, 101, 502, false), TcpState::TimeWait);
        assert_eq!(r.pkt(C, ACK, 502, 102, false), TcpState::Closed);
        // Simultaneous close.
        let mut r = Run::new();
        r.pkt(S, SYN, 100, 0, false);
        r.pkt(C, SYN | ACK, 500, 101, false);
        r.pkt(S, ACK, 101, 501, false);
        r.pkt(C, FIN | ACK, 501, 101, false);
        assert_eq!(r.pkt(S, FIN | ACK, 101, 501, false), TcpState::Closing);
        assert_eq!(r.pkt(C, ACK, 502, 102, false), TcpState::TimeWait);
    }

    #[test]
    fn rst_closes_and_wrong_synack_is_flagged() {
        let mut r = Run::new();
        r.pkt(S, SYN, 100, 0, false);
        assert_eq!(r.pkt(C, SYN | ACK, 500, 999, false), TcpState::SynSent);
        assert_eq!(r.events, vec!["stream.3whs_synack_with_wrong_ack"]);
        assert_eq!(r.pkt(C, RST | ACK, 0, 101, false), TcpState::Closed);
        assert_eq!(r.stats.rst, 1);
    }

    /// Regression (suricata-verify bug-3286-02-linux-evasion): answers to a
    /// SYN that do not echo its timestamp are ignored, as Linux ignores
    /// them, so a forged RST or FIN cannot end the session for us alone.
    #[test]
    fn syn_sent_ignores_answers_that_do_not_echo_the_syn_timestamp() {
        let ts = |flags, seq, ack, val, echo| TcpInfo {
            options: TcpOptions {
                timestamp: Some((val, echo)),
                ..TcpOptions::default()
            },
            ..seg(flags, seq, ack)
        };
        let mut r = Run::new();
        r.seg(S, &ts(SYN, 100, 0, 5000, 0), false);
        assert_eq!(
            r.seg(C, &ts(RST | ACK, 500, 101, 100, 100), false),
            TcpState::SynSent
        );
        assert_eq!(
            r.seg(C, &ts(FIN | ACK, 500, 101, 100, 100), false),
            TcpState::SynSent
        );
        assert_eq!(r.events, vec!["stream.pkt_invalid_timestamp"; 2]);
        // A client RST that does not answer its own SYN does not end it.
        assert_eq!(r.pkt(S, RST, 101, 0, false), TcpState::SynSent);
        // The real SYN-ACK echoes the timestamp.
        assert_eq!(
            r.seg(C, &ts(SYN | ACK, 500, 101, 7000, 5000), false),
            TcpState::SynRecv
        );
        assert_eq!(r.pkt(S, ACK, 101, 501, false), TcpState::Established);
        // Without a timestamp on the SYN, an echo is forged; a RST without
        // any timestamp still ends the attempt.
        let mut r = Run::new();
        r.pkt(S, SYN, 100, 0, false);
        assert_eq!(
            r.seg(C, &ts(RST | ACK, 0, 101, 1, 9), false),
            TcpState::SynSent
        );
        assert_eq!(r.pkt(C, RST | ACK, 0, 101, false), TcpState::Closed);
    }

    /// Regression (suricata-verify security-4710-01/-02): a RST with an
    /// MD5 signature or TCP-AO option closes the session, but when its
    /// sender goes on talking the session resumes and the packet is
    /// flagged; an unsigned RST stays final.
    #[test]
    fn signed_rst_whose_sender_goes_on_is_suspected_injection() {
        let signed = |flags, seq, ack| TcpInfo {
            options: TcpOptions {
                signed: true,
                ..TcpOptions::default()
            },
            ..seg(flags, seq, ack)
        };
        let open = || {
            let mut r = Run::new();
            r.pkt(S, SYN, 100, 0, false);
            r.pkt(C, SYN | ACK, 500, 101, false);
            r.pkt(S, ACK, 101, 501, false);
            r
        };
        let mut r = open();
        assert_eq!(
            r.seg(S, &signed(RST | ACK, 101, 501), false),
            TcpState::Closed
        );
        // The receiver of the RST talking on changes nothing.
        assert_eq!(r.pkt(C, ACK, 501, 101, false), TcpState::Closed);
        assert!(r.events.is_empty());
        // Its sender does: the RST was not real.
        assert_eq!(r.pkt(S, ACK | PSH, 101, 501, false), TcpState::Established);
        assert_eq!(r.events, vec!["stream.suspected_rst_inject"]);
        assert_eq!(r.pkt(C, FIN | ACK, 501, 101, false), TcpState::FinWait1);

        // Without a signature the RST is final.
        let mut r = open();
        assert_eq!(r.pkt(S, RST | ACK, 101, 501, false), TcpState::Closed);
        assert_eq!(r.pkt(S, ACK, 101, 501, false), TcpState::Closed);
        assert!(r.events.is_empty());
    }

    #[test]
    fn midstream_on_and_off() {
        let mut r = Run::new();
        assert_eq!(r.pkt(S, ACK, 100, 500, false), TcpState::None);
        assert_eq!(r.pkt(S, FIN | ACK, 100, 500, false), TcpState::None);
        assert_eq!(r.events, vec!["stream.fin_but_no_session"]);
        let mut r = Run::new();
        assert_eq!(r.pkt(S, ACK, 100, 500, true), TcpState::Established);
        assert_eq!(r.stats.midstream_pickups, 1);
        assert!(r.sess.streams[0].is_started() && r.sess.streams[1].is_started());
        let mut r = Run::new();
        assert_eq!(r.pkt(C, SYN | ACK, 500, 101, true), TcpState::SynRecv);
        assert_eq!(r.pkt(S, ACK, 101, 501, true), TcpState::Established);
    }

    #[test]
    fn state_names() {
        assert_eq!(TcpState::SynSent.name(), "syn_sent");
        assert_eq!(TcpState::FinWait2.name(), "fin_wait2");
        assert_eq!(TcpState::CloseWait.flow_state(), FlowState::Established);
    }
}

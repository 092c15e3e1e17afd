//! Expected flows: a control channel announces a connection that is yet
//! to be opened (FTP's data channel), and the flow that opens it is given
//! its protocol without content detection, as Suricata's
//! `app-layer-expectation.c` does.
//!
//! The table lives in the protocol stage of one worker. Workers shard
//! flows by their address pair alone, so the data connection between the
//! same two hosts reaches the worker that parsed its control channel;
//! a transfer to a third host (FTP bounce) is not followed.

use std::net::IpAddr;

/// Announced flows held per worker. A client announces one data channel
/// per transfer and opens it at once; a few hundred cover every control
/// channel of a busy server at a time, and past it the oldest
/// announcement (the one least likely to be opened) is dropped, so a
/// peer cannot make us hold more.
pub const MAX_EXPECTATIONS: usize = 256;

/// What the announced flow carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// An upload (true: the control channel's client sends the bytes:
    /// STOR, APPE, STOU) or a download (false: its server sends them:
    /// RETR and the listings NLST, LIST, MLSD).
    pub store: bool,
    /// The command that announced the transfer (`STOR`, `RETR`, `NLST`...).
    pub command: &'static str,
    /// The command's argument: the file's name.
    pub file_name: Vec<u8>,
    /// The host that sends the file's bytes.
    pub sender: IpAddr,
}

struct Expectation {
    /// The two hosts, in either order.
    hosts: (IpAddr, IpAddr),
    /// Port the new flow's server listens on.
    port: u16,
    transfer: Transfer,
}

/// Announced flows of one worker, oldest first.
#[derive(Default)]
pub struct Expectations {
    list: Vec<Expectation>,
    /// Announcements dropped because the table was full.
    pub dropped: u64,
}

impl Expectations {
    /// Announces a flow between `a` and `b` (either may open it) to `port`.
    /// A newer announcement for the same hosts and port replaces the older.
    pub fn add(&mut self, a: IpAddr, b: IpAddr, port: u16, transfer: Transfer) {
        self.list
            .retain(|e| !(e.port == port && same_hosts(e.hosts, (a, b))));
        if self.list.len() >= MAX_EXPECTATIONS {
            self.list.remove(0);
            self.dropped += 1;
        }
        self.list.push(Expectation {
            hosts: (a, b),
            port,
            transfer,
        });
    }

    /// The transfer announced for a new flow from `client` to `server`
    /// (address, port), taken out of the table: an announcement opens one
    /// flow.
    pub fn take(&mut self, client: IpAddr, server: (IpAddr, u16)) -> Option<Transfer> {
        if self.list.is_empty() {
            return None;
        }
        let (c, (s, port)) = (client, server);
        let i = self
            .list
            .iter()
            .position(|e| e.port == port && same_hosts(e.hosts, (c, s)))?;
        Some(self.list.remove(i).transfer)
    }

    /// Announcements held.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

fn same_hosts(x: (IpAddr, IpAddr), y: (IpAddr, IpAddr)) -> bool {
    x == y || (x.0 == y.1 && x.1 == y.0)
}

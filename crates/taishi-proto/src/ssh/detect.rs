//! Buffers of the SSH transaction for the rule engine.

use super::log::hassh_hash;
use super::state::SshTx;
use crate::buffer::Buffer;

/// `ssh.proto` and `ssh.software` of the client's banner, and of the
/// server's (`*Server`); `ssh.hassh` (client) and `ssh.hassh.server` as their MD5 hex,
/// `ssh.hassh.string` and `ssh.hassh.server.string` as the strings hashed.
pub fn buffers(tx: &SshTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    let sides = [&tx.client, &tx.server];
    match buffer {
        Buffer::SshProto | Buffer::SshProtoServer => {
            let side = sides[usize::from(buffer == Buffer::SshProtoServer)];
            if let Some(p) = side.proto.as_deref() {
                f(p);
            }
        }
        Buffer::SshSoftware | Buffer::SshSoftwareServer => {
            let side = sides[usize::from(buffer == Buffer::SshSoftwareServer)];
            if side.proto.is_some() {
                f(&side.software);
            }
        }
        Buffer::SshHassh => {
            if let Some(h) = &tx.client.hassh {
                f(hassh_hash(h).as_bytes());
            }
        }
        Buffer::SshHasshServer => {
            if let Some(h) = &tx.server.hassh {
                f(hassh_hash(h).as_bytes());
            }
        }
        Buffer::SshHasshString => tx.client.hassh.iter().for_each(|h| f(h.as_bytes())),
        Buffer::SshHasshServerString => tx.server.hassh.iter().for_each(|h| f(h.as_bytes())),
        _ => {}
    }
}

//! Buffers of an SMB transaction for the rule engine.

use super::state::{SmbTx, TxData};
use crate::Buffer;

/// `smb.share` / `smb.named_pipe` (tree connect path), `smb.ntlmssp_user`,
/// `smb.ntlmssp_domain`, `file.name` (CREATE and file operations).
pub fn buffers(tx: &SmbTx, buffer: Buffer, f: &mut dyn FnMut(&[u8])) {
    match (buffer, &tx.data) {
        (Buffer::SmbShare, TxData::TreeConnect { share, .. }) => f(share.as_bytes()),
        (Buffer::SmbShare, TxData::File { share, .. }) if !share.is_empty() => f(share.as_bytes()),
        (Buffer::SmbNtlmsspUser, TxData::SessionSetup { ntlmssp: Some(n) }) => f(n.user.as_bytes()),
        (Buffer::SmbNtlmsspDomain, TxData::SessionSetup { ntlmssp: Some(n) }) => {
            f(n.domain.as_bytes())
        }
        (Buffer::FileName, TxData::Create { name, .. }) => f(name.as_bytes()),
        (Buffer::FileName, TxData::File { name, .. }) if !name.is_empty() => f(name.as_bytes()),
        _ => {}
    }
}

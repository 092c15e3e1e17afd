//! Modbus/TCP (MBAP header + PDU) requests and responses.

fn adu(tid: u16, unit: u8, pdu: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(7 + pdu.len());
    out.extend_from_slice(&tid.to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&((pdu.len() + 1) as u16).to_be_bytes());
    out.push(unit);
    out.extend_from_slice(pdu);
    out
}

/// Function 3 request: read `qty` holding registers from `addr`.
pub fn read_holding(tid: u16, unit: u8, addr: u16, qty: u16) -> Vec<u8> {
    let mut p = vec![3u8];
    p.extend_from_slice(&addr.to_be_bytes());
    p.extend_from_slice(&qty.to_be_bytes());
    adu(tid, unit, &p)
}

/// Function 3 response carrying `values`.
pub fn read_holding_resp(tid: u16, unit: u8, values: &[u16]) -> Vec<u8> {
    let mut p = vec![3u8, (values.len() * 2) as u8];
    for v in values {
        p.extend_from_slice(&v.to_be_bytes());
    }
    adu(tid, unit, &p)
}

/// Function 4 request: read `qty` input registers from `addr`.
pub fn read_input(tid: u16, unit: u8, addr: u16, qty: u16) -> Vec<u8> {
    let mut p = vec![4u8];
    p.extend_from_slice(&addr.to_be_bytes());
    p.extend_from_slice(&qty.to_be_bytes());
    adu(tid, unit, &p)
}

/// Function 4 response carrying `values`.
pub fn read_input_resp(tid: u16, unit: u8, values: &[u16]) -> Vec<u8> {
    let mut p = vec![4u8, (values.len() * 2) as u8];
    for v in values {
        p.extend_from_slice(&v.to_be_bytes());
    }
    adu(tid, unit, &p)
}

/// Function 6: write single register. The response echoes the request.
pub fn write_single(tid: u16, unit: u8, addr: u16, value: u16) -> Vec<u8> {
    let mut p = vec![6u8];
    p.extend_from_slice(&addr.to_be_bytes());
    p.extend_from_slice(&value.to_be_bytes());
    adu(tid, unit, &p)
}

/// Function 16: write multiple registers.
pub fn write_multiple(tid: u16, unit: u8, addr: u16, values: &[u16]) -> Vec<u8> {
    let mut p = vec![16u8];
    p.extend_from_slice(&addr.to_be_bytes());
    p.extend_from_slice(&(values.len() as u16).to_be_bytes());
    p.push((values.len() * 2) as u8);
    for v in values {
        p.extend_from_slice(&v.to_be_bytes());
    }
    adu(tid, unit, &p)
}

/// Function 16 response: address and quantity written.
pub fn write_multiple_resp(tid: u16, unit: u8, addr: u16, qty: u16) -> Vec<u8> {
    let mut p = vec![16u8];
    p.extend_from_slice(&addr.to_be_bytes());
    p.extend_from_slice(&qty.to_be_bytes());
    adu(tid, unit, &p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mbap_length_counts_unit_and_pdu() {
        let r = write_multiple(7, 1, 0x10, &[1, 2]);
        // tid 0007, proto 0000, len 000b (unit 1 + fc 1 + addr 2 + qty 2 + count 1 + values 4),
        // unit 01, fc 10
        assert_eq!(&r[..8], &[0, 7, 0, 0, 0, 11, 1, 16]);
        assert_eq!(r.len(), 6 + 11);
    }
}

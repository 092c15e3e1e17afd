#!/usr/bin/env python3
"""Writes a capture of one 24 MiB HTTP download whose receiver acknowledges
every two segments, 30 segments (about 43 KiB) behind the sender, as a fast
download looks on the wire. The bench capture's generator acknowledges in
lock step, so this is what measures raw-stream inspection when an
acknowledgement covers only part of what is held:

    python3 scripts/window-download.py out/window.pcap
    taishi analyze out/window.pcap --threads 1 --no-behaviour \
        --rules ../shared/corpus/rules/et-open --set stream.reassembly.depth=0

Usage: window-download.py OUT.pcap
"""
import struct
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
out = open(sys.argv[1], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
t = [1_700_000_000, 0]
def pkt(src, dst, sp, dp, seq, ack, flags, data=b''):
    tcp = struct.pack('!HHIIBBHHH', sp, dp, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 65535, 0, 0) + data
    ph = struct.pack('!4s4sBBH', src, dst, 0, 6, len(tcp))
    c = csum(ph + tcp)
    tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    frame = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00' + ip + tcp
    t[1] += 50
    if t[1] >= 1_000_000: t[0] += 1; t[1] -= 1_000_000
    out.write(struct.pack('<IIII', t[0], t[1], len(frame), len(frame)) + frame)
C, S = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
cp, sp = 40000, 80
cs, ss = 1000, 5000
SYN, ACK, PSH, FIN = 2, 16, 8, 1
pkt(C, S, cp, sp, cs, 0, SYN); pkt(S, C, sp, cp, ss, cs + 1, SYN | ACK); pkt(C, S, cp, sp, cs + 1, ss + 1, ACK)
req = b'GET /big.bin HTTP/1.1\r\nHost: example.test\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n'
pkt(C, S, cp, sp, cs + 1, ss + 1, PSH | ACK, req)
cseq = cs + 1 + len(req)
body_len = 24 * 1024 * 1024
hdr = b'HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n' % body_len
stream = bytearray(hdr)
x = 12345
blk = bytearray()
for i in range(4096):
    x = (x * 1103515245 + 12345) & 0x7fffffff
    blk.append((x >> 16) & 0xff)
while len(stream) < len(hdr) + body_len:
    stream += blk
del stream[len(hdr) + body_len:]
segs = [bytes(stream[i:i + 1460]) for i in range(0, len(stream), 1460)]
off = 0
ends = []
for i, s in enumerate(segs):
    pkt(S, C, sp, cp, ss + 1 + off, cseq, ACK | (PSH if i == len(segs) - 1 else 0), s)
    off += len(s)
    ends.append(off)
    j = i - 30
    if j >= 0 and j % 2 == 1:
        pkt(C, S, cp, sp, cseq, ss + 1 + ends[j], ACK)
pkt(C, S, cp, sp, cseq, ss + 1 + off, ACK)
pkt(S, C, sp, cp, ss + 1 + off, cseq, FIN | ACK); pkt(C, S, cp, sp, cseq, ss + 2 + off, FIN | ACK); pkt(S, C, sp, cp, ss + 2 + off, cseq + 1, ACK)

#!/usr/bin/env python3
"""Writes the proto_http fuzz seeds: conversations in the layout of
fuzz/bodies.rs `tcp_session` (a control byte per segment: bit 7 set for
server to client, bits 0-6 the length, then the bytes)."""
import gzip, zlib

def session(*msgs):
    out = bytearray()
    for to_client, data in msgs:
        for i in range(0, len(data), 127):
            part = data[i:i + 127]
            out.append((0x80 if to_client else 0) | len(part))
            out += part
    return bytes(out)

C, S = False, True
GET = b"GET /a/./b/../c%41?q=1 HTTP/1.1\r\nHost: Example.com:8080\r\nUser-Agent: fuzz\r\n\r\n"
gz = gzip.compress(b"hello hello hello hello")
chunked = b"".join(b"%x\r\n" % len(gz[i:i+9]) + gz[i:i+9] + b"\r\n" for i in range(0, len(gz), 9)) + b"0\r\n\r\n"
body = b"--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\ndata\r\n--XX--\r\n"
seeds = {
    "get_cl": session((C, GET), (S, b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")),
    "pipelined": session((C, GET + GET), (S, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 304 NM\r\n\r\n")),
    "chunked_gzip": session((C, GET), (S, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)),
    "deflate_raw": session((C, GET), (S, b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n" + zlib.compress(b"x" * 300)[2:-4])),
    "continue": session((C, b"POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"), (S, b"HTTP/1.1 100 Continue\r\n\r\n"), (C, b"abc"), (S, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")),
    "http09": session((C, b"GET /\r\n"), (S, b"<html>hi</html>")),
    "connect": session((C, b"CONNECT abc:443 HTTP/1.1\r\n\r\n"), (S, b"HTTP/1.1 200 OK\r\n\r\n"), (C, GET), (S, b"HTTP/1.1 200 OK\r\n\r\n")),
    "upgrade": session((C, b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n"), (S, b"HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\n\r\n\x81\x05hello")),
    "multipart": session((C, b"POST /f HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data; boundary=XX\r\nContent-Length: %d\r\n\r\n" % len(body) + body), (S, b"HTTP/1.0 200 OK\r\n\r\ndone")),
    "malformed": session((C, b" GET\t/x y z\r\nbad line\r\n folded\r\nContent-Length: -1\r\nTransfer-Encoding: x\r\n\r\n"), (S, b"HTTP/1.1 abc\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")),
}
for name, data in seeds.items():
    with open(name, "wb") as f:
        f.write(data)

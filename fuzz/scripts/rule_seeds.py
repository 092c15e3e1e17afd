#!/usr/bin/env python3
"""Makes the seeds of the rule_parse and rule_match fuzz targets.

rule_parse: ~300 real rules (ET Open, enabled and commented-out, and
suricata-verify test.rules), picked greedily so that together they use the
most keywords and value shapes, then topped up at random.

rule_match: `rule NUL len(client) as u16 BE, client, server`. ET Open rules paired with
payloads built from their own contents, so that most of them reach deep into
inspection (an HTTP request/response carrying each buffer's contents, a DNS
query for dns.query, the raw contents for packet rules), plus hand-written
pairs for byte_*, pcre, base64, transforms and negated windows.

Usage: rule_seeds.py CORPUS_DIR FUZZ_DIR  (CORPUS_DIR: shared/corpus)
"""
import glob
import hashlib
import os
import random
import re
import struct
import sys

corpus, fuzz = sys.argv[1], sys.argv[2]
ACTIONS = r"(alert|drop|pass|reject|rejectsrc|rejectdst|rejectboth)\s"


def rules_of(path, disabled=True):
    out, buf = [], ""
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if buf:
            line, buf = buf + line.lstrip(), ""
        if line.endswith("\\"):
            buf = line[:-1]
            continue
        s = line.strip()
        if s.startswith("#") and disabled:
            s = s.lstrip("#").strip()
            if not re.match(ACTIONS, s):
                continue
        elif s.startswith("#") or not s:
            continue
        out.append(s)
    return out


def feats(r):
    i = r.find("(")
    head = r[:i].split()
    f = set(m.group(1) for m in re.finditer(r"(?:^|;)\s*([a-zA-Z0-9_.\-]+)\s*(?=[:;])", r[i + 1:]))
    f |= {"proto:" + (head[1] if len(head) > 1 else ""), "action:" + (head[0] if head else "")}
    kw = (r"(byte_test|byte_jump|byte_extract|byte_math|isdataat|pcre|flowbits|threshold|bsize|dsize|"
          r"flags|itype|icode|flowint|xbits|hostbits|base64_decode|urilen|stream_size|fragbits|ip_proto|"
          r"ttl|app-layer-event|detection_filter|content)\s*:\s*([^;]{0,40})")
    for m in re.finditer(kw, r):
        shape = re.sub(r"[0-9]+", "N", m.group(2))
        shape = re.sub(r'"[^"]*"', "S", shape)
        f.add(m.group(1) + "=" + re.sub(r"[a-zA-Z_]+", "w", shape)[:20])
    return f


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as fh:
        fh.write(data)


# ---- rule_parse
random.seed(4)
cands = [("et", r) for f in sorted(glob.glob(f"{corpus}/rules/et-open/*.rules")) for r in rules_of(f)]
cands += [("sv", r) for f in sorted(glob.glob(f"{corpus}/suricata-verify/*/test.rules")) for r in rules_of(f)]
fl = [(s, r, feats(r)) for s, r in cands]
covered, chosen = set(), []
while len(chosen) < 220:
    best = max(fl, key=lambda x: len(x[2] - covered) * 1000 - len(x[1]))
    if not best[2] - covered:
        break
    covered |= best[2]
    chosen.append(best)
    fl.remove(best)
random.shuffle(fl)
for x in fl:
    if len(chosen) >= 300:
        break
    if len(x[1]) < 1500:
        chosen.append(x)
for s, r, _ in chosen:
    write(f"{fuzz}/seeds/rule_parse", f"{s}-{hashlib.sha1(r.encode()).hexdigest()[:16]}", (r + "\n").encode())


# ---- rule_match
def unhex(c):
    out = b""
    for p in re.split(r"(\|[^|]*\|)", c):
        if len(p) >= 2 and p.startswith("|") and p.endswith("|"):
            try:
                out += bytes.fromhex(p[1:-1].replace(" ", ""))
            except ValueError:
                pass
        else:
            out += p.replace('\\"', '"').replace("\\;", ";").replace("\\\\", "\\").encode()
    return out


def options(r):
    body = r[r.find("(") + 1:r.rfind(")")]
    opts, cur, esc = [], "", False
    for ch in body:
        if esc:
            cur, esc = cur + ch, False
        elif ch == "\\":
            cur, esc = cur + ch, True
        elif ch == ";":
            opts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    return [(k.strip(), v.strip()) for k, _, v in (o.partition(":") for o in opts if o)]


ALIAS = {"file_data": "file.data", "http_uri": "http.uri", "http_header": "http.header",
         "http_method": "http.method", "http_cookie": "http.cookie", "http_client_body": "http.request_body",
         "http_user_agent": "http.user_agent", "http_host": "http.host", "http_stat_code": "http.stat_code",
         "http_server_body": "http.response_body", "http_raw_uri": "http.uri.raw"}


def contents_by_buffer(r):
    buf, res = "pkt", {}
    for k, v in options(r):
        if k == "content":
            if v.startswith('"') and v.endswith('"'):
                res.setdefault(buf, []).append(unhex(v[1:-1]))
        elif "." in k or k in ALIAS or k == "pkt_data":
            buf = ALIAS.get(k, k)
    return res


def dns_query(name):
    q = b"".join(bytes([len(lab[:63])]) + lab[:63] for lab in name.split(b"."))
    return struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + q + b"\x00\x00\x01\x00\x01"


def line(v):
    return v if v.endswith(b"\r\n") else v + b"\r\n"


REQ_HDR = {"http.user_agent": b"User-Agent", "http.cookie": b"Cookie", "http.referer": b"Referer",
           "http.content_type": b"Content-Type", "http.accept": b"Accept", "http.connection": b"Connection",
           "http.accept_lang": b"Accept-Language", "http.accept_enc": b"Accept-Encoding"}
RESP_HDR = {"http.location": b"Location", "http.server": b"Server"}


def http_pair(c, to_client):
    j = lambda k, d=b"": b"".join(c.get(k, [])) or d
    uri = j("http.uri", b"/") + j("http.uri.raw") + j("pkt")
    if not uri.startswith(b"/"):
        uri = b"/" + uri
    req_line = j("http.request_line") or j("http.method", b"GET") + b" " + uri + b" HTTP/1.1"
    if b" HTTP/" not in req_line:
        req_line += b" HTTP/1.1"
    hdrs = b"Host: " + j("http.host", b"example.com") + b"\r\n"
    for k, name in REQ_HDR.items():
        if k in c:
            hdrs += name + b": " + line(j(k))
    raw = [v for k in ("http.header", "http.header.raw") for v in c.get(k, [])]
    body = j("http.request_body") + (j("file.data") if not to_client else b"")
    client = line(req_line) + hdrs + (b"" if to_client else b"".join(line(v.strip(b"\r\n")) for v in raw))
    if body:
        client += b"Content-Length: %d\r\n" % len(body)
    client += b"\r\n" + body
    rbody = j("http.response_body") + (j("file.data") if to_client else b"")
    resp = b"HTTP/1.1 " + j("http.stat_code", b"200") + b" OK\r\n"
    for k, name in RESP_HDR.items():
        if k in c:
            resp += name + b": " + line(j(k))
    if to_client:
        resp += b"".join(line(v.strip(b"\r\n")) for v in raw)
    resp += b"Content-Length: %d\r\n\r\n" % len(rbody) + rbody
    return client, resp


def pair(rule, client, server):
    client = client[:0xFFFF]
    return rule + b"\x00" + struct.pack(">H", len(client)) + client + server


random.seed(7)
allr = [r for f in sorted(glob.glob(f"{corpus}/rules/et-open/*.rules")) for r in rules_of(f)]
random.shuffle(allr)
per, seeds = {}, []
for r in allr:
    head = r[:r.find("(")].split()
    if len(head) < 2 or "\x00" in r:
        continue
    proto, cb = head[1], contents_by_buffer(r)
    if not cb:
        continue
    key = (proto, tuple(sorted(cb)))
    if per.get(key, 0) >= 2:
        continue
    to_client = bool(re.search(r"flow:[^;]*(to_client|from_server)", r))
    if proto in ("tcp", "udp", "ip", "tcp-pkt", "icmp") and set(cb) <= {"pkt"}:
        client, server = b"".join(cb["pkt"]), b""
        if to_client:
            client, server = server, client
    elif proto == "http":
        client, server = http_pair(cb, to_client)
    elif proto == "dns" and "dns.query" in cb:
        client, server = dns_query(b"".join(cb["dns.query"]).strip(b".") or b"example.com"), b""
    else:
        continue
    per[key] = per.get(key, 0) + 1
    seeds.append(pair(r.encode(), client, server))

HAND = [
    (b'alert tcp any any -> any any (msg:"bt"; content:"AB"; byte_test:2,>,0x100,0,relative; byte_jump:1,2,relative,multiplier 2; isdataat:2,relative; sid:1;)', b"AB\x01\x02\x01XXYYZZ", b""),
    (b'alert tcp any any -> any any (msg:"be"; byte_extract:1,0,len; content:"X"; within:len; byte_math:bytes 1,offset 2,oper +,rvalue 3,result r; byte_test:1,=,r,3; sid:2;)', b"\x05X\x02\x05hello", b""),
    (b'alert tcp any any -> any any (msg:"pcre"; content:"GET"; pcre:"/^\\s+\\/[a-z]+\\d{2,}/R"; sid:3;)', b"GET /abc12 HTTP/1.0\r\n\r\n", b""),
    (b'alert tcp any any -> any any (msg:"b64"; content:"data="; base64_decode:bytes 12,relative; base64_data; content:"hello"; sid:4;)', b"data=aGVsbG8gd29ybGQ=", b""),
    (b'alert udp any any -> any 53 (msg:"dns"; dns.query; content:"evil"; nocase; endswith; sid:5;)', dns_query(b"www.example.evil"), b""),
    (b'alert http any any -> any any (msg:"xf"; http.uri; to_lowercase; content:"/admin"; startswith; bsize:>5; sid:6;)', b"GET /ADMIN/x HTTP/1.1\r\nHost: a\r\n\r\n", b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
    (b'alert tcp any any -> any any (msg:"neg"; content:"a"; content:!"b"; distance:0; within:3; dsize:<100; sid:7;)', b"a..c", b""),
    (b'alert icmp any any -> any any (msg:"icmp"; itype:8; content:"ping"; depth:8; sid:8;)', b"pingpingping", b"pong"),
    (b'alert tcp any any -> any any (msg:"flowbits"; flow:established,to_server; content:"A"; flowbits:set,x; flowbits:noalert; sid:9;)', b"AAA", b"BBB"),
    (b'alert http any any -> any any (msg:"body"; flow:to_client; file.data; content:"secret"; offset:2; depth:20; sid:10;)', b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n..secret.."),
    (b'alert tcp any any -> any any (msg:"bj"; byte_jump:4,0,little,from_beginning,post_offset -2; content:"Z"; distance:0; sid:11;)', b"\x06\x00\x00\x00XZYY", b""),
    (b'alert tcp any any -> any any (msg:"str"; byte_test:3,>=,100,0,string,dec; byte_extract:2,3,v,string,hex; isdataat:!10; sid:12;)', b"123ff", b""),
    (b'alert tls any any -> any any (msg:"sni"; tls.sni; content:"example"; sid:13;)', b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00", b""),
    (b'alert tcp any any -> any any (msg:"pcrei"; pcre:"/(a|b)+c{2}[^d]*$/smi"; sid:14;)', b"ABABcc xyz", b""),
]
seeds += [pair(r, c, s) for r, c, s in HAND]
for s in seeds:
    write(f"{fuzz}/seeds/rule_match", hashlib.sha1(s).hexdigest()[:16], s)
print(f"rule_parse: {len(chosen)} rules; rule_match: {len(seeds)} pairs")

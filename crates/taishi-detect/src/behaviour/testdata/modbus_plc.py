# modbus_plc.py ADDRESS: a Modbus/TCP PLC on ADDRESS:502 for the make_modbus*.sh
# captures. Answers reads with zeros, echoes writes, refuses other functions.
import socket, struct, sys, threading
def serve(c):
    while True:
        h = c.recv(7)
        if len(h) < 7: return
        tid, pid, ln, unit = struct.unpack(">HHHB", h)
        pdu = c.recv(ln - 1)
        f = pdu[0]
        if f in (3, 4):
            n = struct.unpack(">H", pdu[3:5])[0]
            r = bytes([f, 2 * n]) + bytes(2 * n)
        elif f in (6, 16):
            r = pdu[:5]
        else:
            r = bytes([f | 0x80, 1])
        c.sendall(struct.pack(">HHHB", tid, 0, len(r) + 1, unit) + r)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 502)); s.listen(8)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()

# modbus_client.py SOURCE PLC MODE [COUNT PERIOD]: one Modbus/TCP client
# connection from SOURCE to PLC:502 for the make_modbus*.sh captures.
# "poll" reads 10 holding registers COUNT times (default 12) every PERIOD
# seconds (default 0.5); "setpoint" writes one register (function 6);
# "write" writes a register and then registers (6, 16); "probe" tries
# function codes 1..20 and unit ids 1..12.
import socket, struct, sys, time
src, plc, mode = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 12
period = float(sys.argv[5]) if len(sys.argv) > 5 else 0.5
c = socket.create_connection((plc, 502), source_address=(src, 0))
tid = 0
def req(unit, pdu):
    global tid
    tid += 1
    c.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu)
    h = c.recv(7); c.recv(struct.unpack(">HHHB", h)[2] - 1)
if mode == "poll":
    for _ in range(count):
        req(1, struct.pack(">BHH", 3, 0, 10)); time.sleep(period)
elif mode == "setpoint":
    req(1, struct.pack(">BHH", 6, 40, 512))
elif mode == "write":
    req(1, struct.pack(">BHH", 6, 40, 9999)); time.sleep(0.3)
    req(1, struct.pack(">BHHB", 16, 40, 2, 4) + struct.pack(">HH", 1, 2))
else:
    for f in range(1, 21):
        req(1, struct.pack(">BHH", f, 0, 1)); time.sleep(0.05)
    for u in range(1, 13):
        req(u, struct.pack(">BHH", 3, 0, 1)); time.sleep(0.05)
c.close()

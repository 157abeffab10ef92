#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read device memory of a running guest from the host, on the guest's request.

Some exporters' memory has no host file behind it (qxl's VRAM is QEMU's own
RAM block), so the host cannot read it after the guest powered off as it does
the ivshmem file. This agent runs beside QEMU for the whole boot and reads it
while the guest waits:

  guest -> host (on the guest's second serial port, /dev/ttyS1):
      P2P-HOSTREAD <id> <qdev-id> <bar> <offset> <len>
  host: looks up where the guest placed BAR <bar> of device <qdev-id> (QMP
      query-pci: QEMU's own view, not what the guest says), saves <len>
      guest-physical bytes from <bar start + offset> with QMP pmemsave into
      OUTDIR/<id>.bin and answers
  host -> guest:
      P2P-HOSTREAD-DONE <id> ok|error

The judge (check-log.py --hostread OUTDIR) then compares the saved bytes with
what the seed of the boot says the device wrote. Every request and its result
is also written to OUTDIR/agent.log.
"""
import argparse
import json
import os
import re
import socket
import sys
import time

REQ_RE = re.compile(r"^P2P-HOSTREAD (\w[\w.-]*) (\S+) (\d+) (\d+) (\d+)$")
MAX_READ = 64 << 20


def connect(path, deadline):
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Qmp:
    def __init__(self, sock):
        self.f = sock.makefile("rw", encoding="utf-8", newline="\n")
        self._read()                       # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        self.f.flush()
        msg = self._read()
        if "error" in msg:
            raise RuntimeError(f"{name}: {msg['error'].get('desc')}")
        return msg["return"]


def find_bar(buses, qdev, bar):
    """BAR address of device qdev in a query-pci answer (bridges included)."""
    for bus in buses:
        for dev in bus.get("devices", []):
            if dev.get("qdev_id") == qdev:
                for r in dev.get("regions", []):
                    if r.get("bar") == bar and r.get("type") == "memory":
                        return r["address"], r["size"]
            sub = dev.get("pci_bridge", {}).get("devices")
            if sub is not None:
                found = find_bar([{"devices": sub}], qdev, bar)
                if found:
                    return found
    return None


def serve(qmp, chan, outdir, log):
    buf = b""
    while True:
        data = chan.recv(4096)
        if not data:
            return
        buf += data
        while b"\n" in buf:
            raw, buf = buf.split(b"\n", 1)
            line = raw.decode("ascii", "replace").strip()
            if not line:
                continue
            m = REQ_RE.match(line)
            if not m:
                print(f"ignored: {line!r}", file=log, flush=True)
                continue
            rid, qdev = m.group(1), m.group(2)
            bar, off, ln = int(m.group(3)), int(m.group(4)), int(m.group(5))
            status = "error"
            try:
                found = find_bar(qmp.cmd("query-pci"), qdev, bar)
                if not found:
                    raise RuntimeError(f"no BAR {bar} of {qdev} in query-pci")
                base, size = found
                if base < 0 or off + ln > size or ln > MAX_READ:
                    raise RuntimeError(f"BAR at {base:#x} size {size:#x}: "
                                       f"{off:#x}+{ln:#x} out of range")
                path = os.path.join(outdir, f"{rid}.bin")
                qmp.cmd("pmemsave", val=base + off, size=ln, filename=path)
                status = "ok"
                print(f"{rid}: {qdev} BAR {bar} at {base:#x}: read {ln} bytes "
                      f"at +{off:#x} into {path}", file=log, flush=True)
            except (RuntimeError, OSError) as e:
                print(f"{rid}: {e}", file=log, flush=True)
            chan.sendall(f"P2P-HOSTREAD-DONE {rid} {status}\n".encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qmp", required=True, help="QEMU's QMP unix socket")
    ap.add_argument("--chan", required=True,
                    help="unix socket of the guest's request serial port")
    ap.add_argument("--out", required=True, help="where the reads are saved")
    ap.add_argument("--wait", type=float, default=60,
                    help="seconds to wait for QEMU's sockets")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "agent.log"), "a") as log:
        deadline = time.monotonic() + args.wait
        try:
            qmp = Qmp(connect(args.qmp, deadline))
            chan = connect(args.chan, deadline)
        except (OSError, EOFError) as e:
            print(f"cannot reach QEMU: {e}", file=log, flush=True)
            return 1
        print("connected", file=log, flush=True)
        try:
            serve(qmp, chan, args.out, log)
        except (OSError, EOFError) as e:
            print(f"QEMU went away: {e}", file=log, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

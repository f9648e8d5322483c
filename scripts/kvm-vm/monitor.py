#!/usr/bin/env python3
"""Send commands to the emulated SVM machine's QEMU monitor (a unix socket,
BUILD/kvm-vm/monitor.sock while it runs) and print the answers.

usage: monitor.py SOCKET COMMAND...    e.g. monitor.py SOCK "info registers -a"
"""
import re
import socket
import sys

ESC = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\x1b[A-Za-z]")


def read(sock):
    out = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            out += data
    except socket.timeout:
        pass
    return ESC.sub("", out.decode(errors="replace").replace("\r", ""))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(2)
    sock.connect(argv[0])
    read(sock)  # the banner
    for cmd in argv[1:]:
        sock.sendall(cmd.encode() + b"\n")
        for line in read(sock).split("\n"):
            # drop the monitor's echo of the command and its prompt
            if cmd in line or line.startswith("(qemu)") or not line.strip():
                continue
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

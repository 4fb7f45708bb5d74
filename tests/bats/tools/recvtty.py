#!/usr/bin/env python3
"""recvtty.py SOCKET OUT [INPUT] - a console socket for tests (like runc's recvtty).

Listens on SOCKET, receives one pty master (SCM_RIGHTS, payload = the pty name), writes
"name=<payload>" as the first line of OUT, writes INPUT to the master if given, then copies
everything the container writes to OUT until the pty is closed. Exits 0, or 1 on a protocol error.
"""
import array
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    data = sys.argv[3] if len(sys.argv) > 3 else None
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # bind relative to the socket's directory: paths longer than sun_path work too
    out = os.path.abspath(out)
    os.chdir(os.path.dirname(os.path.abspath(path)))
    srv.bind(os.path.basename(path))
    srv.listen(1)
    srv.settimeout(30)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(256, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    conn.close()
    srv.close()
    if len(fds) != 1:
        print("recvtty: no fd received", file=sys.stderr)
        return 1
    master = fds[0]
    with open(out, "w") as f:
        f.write("name=%s\n" % msg.decode())
        f.flush()
        if data is not None:
            os.write(master, data.encode())
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every slave fd is closed
                break
            if not chunk:
                break
            f.write(chunk.decode(errors="replace"))
            f.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

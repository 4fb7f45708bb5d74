#!/usr/bin/env python3
"""seccomp-agent.py SOCKET OUTDIR ERRNO: a minimal seccomp notify agent for the tests.

Listens on SOCKET for the runtime (runtime-spec linux.seccomp.listenerPath): receives the
containerProcessState JSON with the listener fd (SCM_RIGHTS), writes the JSON to OUTDIR/state.json,
then answers every notified syscall with -ERRNO and appends "<nr>" to OUTDIR/calls until the
container goes away. OUTDIR/ready appears once it listens.
"""
import array
import errno
import fcntl
import os
import socket
import struct
import sys

# linux/seccomp.h: struct seccomp_notif is 80 bytes, struct seccomp_notif_resp 24 bytes
NOTIF_RECV = 0xC0502100  # SECCOMP_IOWR(0, struct seccomp_notif)
NOTIF_SEND = 0xC0182101  # SECCOMP_IOWR(1, struct seccomp_notif_resp)


def main():
    path, outdir, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    open(os.path.join(outdir, "ready"), "w").close()
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    with open(os.path.join(outdir, "state.json"), "wb") as f:
        f.write(msg)
    with open(os.path.join(outdir, "nfds"), "w") as f:
        f.write("%d\n" % len(fds))
    if not fds:
        return 1
    lfd = fds[0]
    while True:
        buf = bytearray(80)
        try:
            fcntl.ioctl(lfd, NOTIF_RECV, buf, True)
        except OSError as e:
            if e.errno == errno.EINTR:
                continue
            return 0  # ENOENT/EBADF...: the filtered process is gone
        nid, pid, flags, nr = struct.unpack_from("=QIIi", buf, 0)
        with open(os.path.join(outdir, "calls"), "a") as f:
            f.write("%d\n" % nr)
        resp = struct.pack("=QqiI", nid, 0, -err, 0)
        try:
            fcntl.ioctl(lfd, NOTIF_SEND, bytearray(resp), True)
        except OSError:
            pass


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""ttydrive.py - drive programs through real pseudo-terminals, for the interactive tests.

Usage: ttydrive.py < SCRIPT   (one command per line, shell-like quoting; '#' comments)

  spawn NAME [ROWS COLS] -- CMD [ARG...]  start CMD with a new pty as its controlling terminal
                                          and stdio (default size 24x80)
  send NAME TEXT            write TEXT to the pty (Python escapes: \\r \\n \\x10 ...)
  expect NAME REGEX [SECS]  wait (default 10 s) until the output since the last match matches
  noexpect NAME REGEX SECS  fail if the output matches within SECS
  resize NAME ROWS COLS     change the pty's size (the kernel sends SIGWINCH)
  wait NAME [SECS]          wait for CMD to exit; prints "NAME exit=N"
  sh CMD...                 run the rest of the line with sh; prints its output and
                            "sh exit=N"
  sleep SECS
  dump NAME                 print everything NAME's pty showed so far

Exit status 0 when every step passed; 1 with a message and the output seen otherwise. Every
program still running at the end is killed (SIGKILL: they are ours).
"""
import codecs
import fcntl
import os
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import termios
import time


class Session:
    def __init__(self, name, argv, rows, cols):
        self.name = name
        master, slave = os.openpty()
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def ctty():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, preexec_fn=ctty)
        os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self.buf = b""
        self.pos = 0
        self.code = None

    def read(self):
        if self.master is None:
            return
        try:
            while True:
                data = os.read(self.master, 65536)
                if not data:
                    raise OSError
                self.buf += data
        except BlockingIOError:
            pass
        except OSError:  # EIO: the slave side is closed
            os.close(self.master)
            self.master = None

    def text(self):
        return self.buf.decode("utf-8", "replace")


sessions = {}


def pump(timeout):
    fds = [s.master for s in sessions.values() if s.master is not None]
    if fds:
        select.select(fds, [], [], timeout)
    else:
        time.sleep(timeout)
    for s in sessions.values():
        s.read()


def fail(msg):
    print("ttydrive: " + msg)
    for s in sessions.values():
        s.read()
        print("--- %s saw:\n%r" % (s.name, s.text()))
    finish(1)


def finish(code):
    for s in sessions.values():
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()
    sys.stdout.flush()
    sys.exit(code)


def step(words):
    cmd, args = words[0], words[1:]
    if cmd == "spawn":
        sep = args.index("--")
        rows, cols = (int(args[1]), int(args[2])) if sep == 3 else (24, 80)
        sessions[args[0]] = Session(args[0], args[sep + 1:], rows, cols)
    elif cmd == "send":
        s = sessions[args[0]]
        os.write(s.master, codecs.decode(args[1], "unicode_escape").encode("latin-1"))
    elif cmd in ("expect", "noexpect"):
        s = sessions[args[0]]
        rx = re.compile(args[1].encode())
        limit = float(args[2]) if len(args) > 2 else 10.0
        end = time.monotonic() + limit
        while True:
            s.read()
            m = rx.search(s.buf, s.pos)
            if m:
                if cmd == "noexpect":
                    fail("%s: %r showed up" % (s.name, args[1]))
                s.pos = m.end()
                return
            if time.monotonic() >= end:
                if cmd == "noexpect":
                    return
                fail("%s: timed out waiting for %r" % (s.name, args[1]))
            pump(0.05)
    elif cmd == "resize":
        s = sessions[args[0]]
        fcntl.ioctl(s.master, termios.TIOCSWINSZ,
                    struct.pack("HHHH", int(args[1]), int(args[2]), 0, 0))
    elif cmd == "wait":
        s = sessions[args[0]]
        end = time.monotonic() + (float(args[1]) if len(args) > 1 else 10.0)
        while s.proc.poll() is None:
            if time.monotonic() >= end:
                fail("%s: did not exit" % s.name)
            pump(0.05)
        s.read()
        print("%s exit=%d" % (s.name, s.proc.returncode))
    elif cmd == "sh":
        r = subprocess.run(args[0], shell=True, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        sys.stdout.write(r.stdout.decode("utf-8", "replace"))
        print("sh exit=%d" % r.returncode)
    elif cmd == "sleep":
        end = time.monotonic() + float(args[0])
        while time.monotonic() < end:
            pump(min(0.05, end - time.monotonic()))
    elif cmd == "dump":
        s = sessions[args[0]]
        s.read()
        sys.stdout.write(s.text())
        print()
    else:
        fail("unknown command %r" % cmd)
    sys.stdout.flush()


def main():
    signal.signal(signal.SIGTERM, lambda *_: finish(1))
    for line in sys.stdin.read().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("sh "):  # the rest of the line as it is, for the shell
            step(["sh", line[3:]])
        else:
            step(shlex.split(line))
    finish(0)


if __name__ == "__main__":
    main()

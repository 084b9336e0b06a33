#!/usr/bin/env python3
"""A stand-in for the syslog daemon's /dev/log, on a private unix socket.

  syslog_receiver.py record SOCKET OUT   bind SOCKET (datagram), append every
                                         datagram to OUT as one hex line
  syslog_receiver.py stall SOCKET        bind SOCKET with the smallest receive
                                         buffer and never read it: a syslog
                                         daemon that hangs

Runs until killed (SIGTERM). The socket file appears once it is bound.
"""
import os
import signal
import socket
import sys


def bind(path, rcvbuf=None):
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(path + ".tmp")
    # Appear under the final name only once bound, so a waiting test never
    # races the bind.
    os.rename(path + ".tmp", path)
    return s


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if len(argv) == 4 and argv[1] == "record":
        s = bind(argv[2])
        with open(argv[3], "a") as out:
            while True:
                data = s.recv(1 << 20)
                out.write(data.hex() + "\n")
                out.flush()
    elif len(argv) == 3 and argv[1] == "stall":
        s = bind(argv[2], rcvbuf=1)  # the kernel rounds it up to its minimum
        while True:
            signal.pause()
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""freeport.py [N] - print N (default 1) distinct free loopback ports, one a line.

A port is printed only if both TCP and UDP could bind it on 127.0.0.1, so it
suits NSD (which needs both) as well as SMTP or milter listeners.  All sockets
stay open until every port is chosen, so the N ports are distinct.  There is
the usual small race between printing a port and the server binding it.
"""
import socket
import sys


def main():
    want = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    held, ports = [], []
    for _ in range(want * 20):
        if len(ports) == want:
            break
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            u.close()
            continue
        held += [t, u]
        ports.append(port)
    if len(ports) != want:
        sys.exit("freeport: could not find %d free ports" % want)
    print("\n".join(str(p) for p in ports))


main()

#!/usr/bin/python3
"""dnsproxy.py LISTEN_PORT UPSTREAM_PORT DROPFILE LOGFILE

A UDP DNS forwarder on 127.0.0.1 for tests: every query is logged to
LOGFILE as "qname qtype" (lower case), then forwarded to the harness NSD on
127.0.0.1:UPSTREAM_PORT and the answer relayed back -- unless qname is, or
lies under, a name listed in DROPFILE (re-read for every query): then it is
silently dropped, so the client times out.  Stops on SIGTERM.  Standard
library only; never talks to anything but 127.0.0.1.
"""
import socket
import socketserver
import sys
import threading

LISTEN, UPSTREAM, DROPFILE, LOGFILE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
log_lock = threading.Lock()


def question(pkt):
    """(qname, qtype) of a DNS query, or (None, None)."""
    try:
        i, labels = 12, []
        while pkt[i]:
            n = pkt[i]
            labels.append(pkt[i + 1:i + 1 + n].decode('ascii', 'replace'))
            i += 1 + n
        qtype = int.from_bytes(pkt[i + 1:i + 3], 'big')
        return '.'.join(labels).lower(), qtype
    except (IndexError, ValueError):
        return None, None


def dropped(qname):
    try:
        with open(DROPFILE) as f:
            names = [l.strip().lower().rstrip('.') for l in f if l.strip()]
    except OSError:
        return False
    return any(qname == n or qname.endswith('.' + n) for n in names)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        pkt, sock = self.request
        qname, qtype = question(pkt)
        with log_lock, open(LOGFILE, 'a') as f:
            f.write('%s %s\n' % (qname, qtype))
        if qname is None or dropped(qname):
            return
        up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        up.settimeout(3)
        try:
            up.sendto(pkt, ('127.0.0.1', UPSTREAM))
            answer, _ = up.recvfrom(65535)
            sock.sendto(answer, self.client_address)
        except OSError:
            pass
        finally:
            up.close()


class Server(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == '__main__':
    Server(('127.0.0.1', LISTEN), Handler).serve_forever()

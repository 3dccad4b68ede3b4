#!/usr/bin/python3
"""sink.py PORT DIR - loopback SMTP sink for the e2e harness.

Listens on 127.0.0.1:PORT.  Each accepted message is stored as DIR/NNNN.eml
(NNNN = arrival number, from 0001), exactly the bytes of the DATA phase after
dot-unstuffing, with CRLF line ends turned into LF (a bare CR or LF is kept),
and its envelope as DIR/NNNN.env ("MAIL FROM:<...>" then "RCPT TO:<...>" lines,
with any ESMTP parameters).  Both files appear atomically (written to a
temporary name, then renamed; the .env before the .eml), so a reader that sees
NNNN.eml sees a complete message.  Numbers are handed out once each, also
under many concurrent sessions (tests/e2e/t-sink.sh).

If DIR/.fail exists, its first line (e.g. "451 4.3.0 try again later") is the
reply to every MAIL FROM: a way to make delivery defer.  Runs in the
foreground until SIGTERM/SIGINT.  Advertises 8BITMIME and SMTPUTF8 so that
Postfix never rewrites (and so never breaks the DKIM signature of) a body.
"""
import os
import signal
import socketserver
import sys
import threading

LOCK = threading.Lock()
NEXT = [0]      # the next arrival number; set from DIR at start


def first_free(directory):
    """1 + the highest number already used in DIR (a restarted sink goes on)."""
    used = [int(f[:4]) for f in os.listdir(directory) if f[:4].isdigit()]
    return 1 + max(used, default=0)


def next_name(directory):
    """Reserve a new arrival number; return DIR/NNNN.

    The number comes from a counter under the lock, never from the
    directory: counting files while other threads rename theirs let two
    sessions take the same number, and the second message overwrote the
    first (3 of 3,309 lost in a concurrent run).  The reservation file is
    created with O_EXCL as well, so a number can never be handed out twice.
    """
    while True:
        with LOCK:
            seq = NEXT[0]
            NEXT[0] += 1
        base = os.path.join(directory, "%04d" % seq)
        try:
            os.close(os.open(base + ".tmp", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        except FileExistsError:
            continue
        if os.path.exists(base + ".eml"):
            os.unlink(base + ".tmp")
            continue
        return base


def store(directory, envelope, data):
    base = next_name(directory)
    with open(base + ".envtmp", "wb") as f:
        f.write(envelope)
    os.rename(base + ".envtmp", base + ".env")
    with open(base + ".tmp", "wb") as f:
        f.write(data)
    os.rename(base + ".tmp", base + ".eml")


class Session(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline(1 << 20)
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]
            if line.endswith(b"\r\n"):
                line = line[:-2] + b"\n"
            lines.append(line)
        return b"".join(lines)

    def handle(self):
        directory = self.server.sink_dir
        mail, rcpts = None, []
        self.reply("220 sink.test ESMTP harness sink")
        while True:
            raw = self.rfile.readline(1 << 16)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                self.reply("250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 104857600")
            elif verb == "HELO":
                self.reply("250 sink.test")
            elif verb == "MAIL":
                fail = os.path.join(directory, ".fail")
                if os.path.exists(fail):
                    with open(fail) as f:
                        self.reply(f.readline().strip() or "451 4.3.0 sink told to fail")
                    continue
                mail, rcpts = line, []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                if mail is None:
                    self.reply("503 5.5.1 MAIL first")
                    continue
                rcpts.append(line)
                self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("503 5.5.1 RCPT first")
                    continue
                self.reply("354 go ahead")
                data = self.read_data()
                if data is None:
                    return
                env = "\n".join([mail] + rcpts) + "\n"
                store(directory, env.encode("utf-8", "replace"), data)
                mail, rcpts = None, []
                self.reply("250 2.0.0 stored")
            elif verb == "RSET":
                mail, rcpts = None, []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    # The default backlog of 5 left concurrent clients connected but never
    # greeted until they timed out.
    request_queue_size = 128


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: sink.py PORT DIR")
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    NEXT[0] = first_free(directory)
    server = Server(("127.0.0.1", port), Session)
    server.sink_dir = directory

    def stop(_sig, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    server.server_close()


main()

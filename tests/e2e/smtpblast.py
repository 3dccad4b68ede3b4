#!/usr/bin/python3
"""smtpblast.py PORT COUNT THREADS TAG - send COUNT messages to 127.0.0.1:PORT
from THREADS concurrent SMTP sessions (one message per session, as an
application would), message i with "Subject: TAG-i" and a unique Message-ID.
Prints "sent N refused M"; exit 0 when every message was accepted with 250.
BLAST_FROM (default claim@acme.example) is the envelope sender and From.
"""
import os
import smtplib
import sys
import threading


def main():
    port, count, threads, tag = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    lock = threading.Lock()
    todo = list(range(count))
    result = {"sent": 0, "refused": 0}
    sender = os.environ.get("BLAST_FROM", "claim@acme.example")

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            msg = ("From: %s\r\nTo: u@dest.example\r\n"
                   "Subject: %s-%d\r\nMessage-ID: <%s-%d@blast.test>\r\n\r\nbody %d\r\n"
                   % (sender, tag, i, tag, i, i))
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
                    s.sendmail(sender, ["u@dest.example"], msg)
                ok = True
            except (smtplib.SMTPException, OSError) as e:
                print("message %d: %s" % (i, e), file=sys.stderr)
                ok = False
            with lock:
                result["sent" if ok else "refused"] += 1

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print("sent %d refused %d" % (result["sent"], result["refused"]))
    sys.exit(0 if result["refused"] == 0 else 1)


main()

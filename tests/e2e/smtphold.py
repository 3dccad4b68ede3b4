#!/usr/bin/python3
"""smtphold.py PORT MODE GO - an SMTP session held open at 127.0.0.1:PORT.

MODE idle: EHLO, print "ready", wait until the file GO exists, then try
  MAIL FROM and print "mail: REPLY" (or "mail: closed"), QUIT.
MODE busy: EHLO, MAIL FROM, RCPT TO, DATA, the headers and half the body
  of an acme message (X-Tenant-ID: acme), print "ready", wait for GO, send
  the rest and the final dot, print "data: REPLY" (or "data: closed").
Waits for GO at most 120 s.  Exit 0 when the session went as far as it
could (the reply is what the test judges).
"""
import os
import smtplib
import sys
import time


def wait_go(path):
    end = time.time() + 120
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.02)


def main():
    port, mode, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    s = smtplib.SMTP("127.0.0.1", port, timeout=120)
    s.ehlo("hold.harness.test")
    if mode == "idle":
        print("ready", flush=True)
        wait_go(go)
        try:
            code, msg = s.mail("claim@acme.example")
            print("mail: %d %s" % (code, msg.decode(errors="replace")), flush=True)
            s.quit()
        except (smtplib.SMTPException, OSError):
            print("mail: closed", flush=True)
        return
    s.mail("claim@acme.example")
    s.rcpt("u@dest.example")
    code, _ = s.docmd("DATA")
    if code != 354:
        print("data: %d before DATA" % code, flush=True)
        return
    s.send(b"From: claim@acme.example\r\nTo: u@dest.example\r\n"
           b"X-Tenant-ID: acme\r\nSubject: in flight at SIGTERM\r\n\r\n"
           b"first half of the body\r\n")
    print("ready", flush=True)
    wait_go(go)
    try:
        s.send(b"second half, sent after the stop began\r\n.\r\n")
        code, msg = s.getreply()
        print("data: %d %s" % (code, msg.decode(errors="replace")), flush=True)
        s.quit()
    except (smtplib.SMTPException, OSError):
        print("data: closed", flush=True)


main()

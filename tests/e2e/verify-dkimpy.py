#!/usr/bin/python3
"""verify-dkimpy.py PORT FILE... - verify every DKIM signature of FILE with dkimpy.

Keys come from the harness NSD at 127.0.0.1:PORT only (dnspython resolver with
that one nameserver; the system resolver is never used).  Prints one line:
  dkimpy: RESULT (d/s alg=result[: reason], ...)
RESULT is pass if every signature verifies, else fail (also when there is no
signature).  With more than one FILE, each line starts with "FILE: ".  Exit 0 pass, 1 fail.  Run with /usr/bin/python3 (Debian's dkimpy).
"""
import logging
import sys

import dkim
import dkim.util
import dns.exception
import dns.resolver


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.last = ""
        self.error = ""

    def emit(self, record):
        self.last = record.getMessage()
        if record.levelno >= logging.WARNING:
            self.error = self.last


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: verify-dkimpy.py PORT FILE...")
    port, paths = int(sys.argv[1]), sys.argv[2:]
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port
    res.lifetime = 5
    dns_error = []

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        try:
            ans = res.resolve(name, "TXT", search=False, source="127.0.0.1")
        except dns.exception.DNSException as e:
            dns_error.append("%s: %s" % (name, e.__class__.__name__))
            return None
        for rd in ans:
            return b"".join(rd.strings)
        return None

    rc = 0
    for path in paths:
        if len(paths) > 1:
            print("%s: " % path, end="")
        rc |= verify(path, dnsfunc, dns_error)
    return rc


def verify(path, dnsfunc, dns_error):
    try:
        with open(path, "rb") as f:
            msg = f.read()
    except OSError as e:
        print("dkimpy: fail (cannot read %s: %s)" % (path, e))
        return 1
    headers, _body = dkim.rfc822_parse(msg)
    sigs = [v for (k, v) in headers if k.lower() == b"dkim-signature"]
    if not sigs:
        print("dkimpy: fail (no DKIM signature)")
        return 1
    parts, ok = [], True
    for idx, raw in enumerate(sigs):
        try:
            tags = dkim.util.parse_tag_value(raw)
        except dkim.util.InvalidTagValueList:
            tags = {}
        ident = "%s/%s %s" % (tags.get(b"d", b"?").decode(errors="replace"),
                              tags.get(b"s", b"?").decode(errors="replace"),
                              tags.get(b"a", b"?").decode(errors="replace"))
        log = Collect()
        logger = logging.getLogger("dkimpy-%d" % idx)
        logger.propagate = False
        logger.addHandler(log)
        logger.setLevel(logging.DEBUG)
        del dns_error[:]
        try:
            good = dkim.DKIM(msg, logger=logger).verify(idx=idx, dnsfunc=dnsfunc)
            reason = log.error or log.last
        except Exception as e:  # dkimpy raises on some malformed input
            good, reason = False, "%s: %s" % (e.__class__.__name__, e)
        reason = reason.split(" (got ")[0]
        if good:
            parts.append(ident + "=pass")
        else:
            ok = False
            why = "; ".join(dns_error + ([reason] if reason else []))
            parts.append(ident + "=fail" + (": " + why if why else ""))
    print("dkimpy: %s (%s)" % ("pass" if ok else "fail", ", ".join(parts)))
    return 0 if ok else 1


sys.exit(main())

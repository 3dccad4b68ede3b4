#!/usr/bin/python3
"""dnsq.py [-s] PORT NAME TYPE - ask the harness NSD at 127.0.0.1:PORT, nothing else.

Prints the rcode on the first line (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, or
TIMEOUT), then one line per record of the answer section whose type is TYPE:
TXT records as their character-strings joined (the record as published), other
types in presentation form.  With -s, TXT records are printed as
their separate strings, joined by '|'.  Exit 0 on NOERROR, 1 otherwise.
Run with /usr/bin/python3 (Debian's dnspython).
"""
import sys

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype


def main():
    args = [a for a in sys.argv[1:] if a != "-s"]
    split = len(args) != len(sys.argv) - 1
    if len(args) != 3:
        sys.exit("usage: dnsq.py [-s] PORT NAME TYPE")
    port, name, rtype = int(args[0]), args[1], args[2].upper()
    query = dns.message.make_query(name, rtype, use_edns=0, payload=4096)
    try:
        resp = dns.query.udp(query, "127.0.0.1", port=port, timeout=3,
                             source="127.0.0.1")
        if resp.flags & dns.flags.TC:
            resp = dns.query.tcp(query, "127.0.0.1", port=port, timeout=3,
                                 source="127.0.0.1")
    except dns.exception.Timeout:
        print("TIMEOUT")
        return 1
    print(dns.rcode.to_text(resp.rcode()))
    want = dns.rdatatype.from_text(rtype)
    for rrset in resp.answer:
        if rrset.rdtype != want:
            continue
        for rd in rrset:
            if want == dns.rdatatype.TXT:
                parts = [s.decode("utf-8", "backslashreplace") for s in rd.strings]
                print(("|" if split else "").join(parts))
            else:
                print(rd.to_text())
    return 0 if resp.rcode() == dns.rcode.NOERROR else 1


sys.exit(main())

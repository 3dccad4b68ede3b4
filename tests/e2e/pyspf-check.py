#!/usr/bin/python3
"""pyspf-check.py DNS_PORT DOMAIN SENDER IP...

An independent SPF implementation (Debian's python3-spf, pyspf) checks
DOMAIN for each IP against the harness NSD on 127.0.0.1:DNS_PORT and
prints one line per IP: "IP RESULT LOOKUPS MECHANISM".  Talks to nothing
but 127.0.0.1.
"""
import sys

import dns.resolver
import spf

port, domain, sender, ips = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
r = dns.resolver.Resolver(configure=False)
r.nameservers = ['127.0.0.1']
r.port = port
dns.resolver.default_resolver = r

for ip in ips:
    q = spf.query(i=ip, s=sender, h=domain)
    result, _, _ = q.check()
    print('%s %s %d %s' % (ip, result, q.lookups, q.mechanism or '-'))

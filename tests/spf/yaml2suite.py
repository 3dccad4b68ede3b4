#!/usr/bin/python3
# yaml2suite.py - turn the RFC 7208 test suite (OpenSPF YAML) into the
# line format spf-suite reads, so the C runner needs no YAML parser.
#
#   /usr/bin/python3 yaml2suite.py rfc7208-tests.yml > suite.txt
#
# Needs python3-yaml (Debian).  One line per item, fields separated by a
# tab, each field %XX-escaped (bytes outside 0x21-0x7e, and '%'):
#   S <scenario>                          a scenario starts
#   Z <name> <TYPE> <text>                one record (TXT strings joined)
#   T <name>                              the name times out (see below)
#   C <case> <host> <mailfrom> <helo> <result[,result...]>
#   E                                     the scenario ends
#
# Zone semantics follow pyspf's test driver (testspf.py), which the suite
# was written for: a name with SPF (type 99) records and no TXT record
# also serves them as TXT ("auto-magic duplication"); "TXT: NONE" only
# suppresses that; a bare TIMEOUT entry makes every query type that has
# no record listed before it time out (records after it are unreachable).
import re
import sys

import yaml


def esc(value):
    """%XX-escape a field; code points < 256 are taken as bytes."""
    if isinstance(value, bool):
        value = str(value).lower()
    if not isinstance(value, (bytes, str)):
        value = str(value)
    if isinstance(value, str):
        out = bytearray()
        for ch in value:
            out += bytes([ord(ch)]) if ord(ch) < 256 else ch.encode()
        value = bytes(out)
    return ''.join(chr(b) if 0x21 <= b <= 0x7e and b != 0x25 else '%%%02X' % b
                   for b in value)


def slug(text):
    return re.sub(r'[^a-z0-9]+', '-', text.lower()).strip('-')


def text_of(rtype, value):
    if rtype in ('TXT', 'SPF'):
        return ''.join(value) if isinstance(value, list) else value
    if rtype == 'MX':
        return '%s %s' % (value[0], value[1])
    return value


def zone(out, name, entries):
    records, generated, gen, timeout = [], [], True, False
    for entry in entries:
        if entry == 'TIMEOUT':
            timeout = True
            break
        for rtype, value in entry.items():
            if value == 'TIMEOUT':
                sys.exit('per-type TIMEOUT not supported: %s' % name)
            if rtype == 'TXT':
                gen = False
            elif rtype == 'SPF' and gen:
                generated.append(('TXT', value))
            if value != 'NONE':
                records.append((rtype, value))
    if gen and not timeout:
        records += generated
    for rtype, value in records:
        out.append('\t'.join(['Z', esc(name), rtype,
                              esc(text_of(rtype, value))]))
    if timeout:
        out.append('\t'.join(['T', esc(name)]))


def main():
    out = []
    with open(sys.argv[1], 'rb') as fp:
        for doc in yaml.safe_load_all(fp):
            out.append('\t'.join(['S', slug(doc['description'])]))
            for name, entries in doc.get('zonedata', {}).items():
                zone(out, name, entries)
            for case, t in doc['tests'].items():
                results = t['result']
                if not isinstance(results, list):
                    results = [results]
                out.append('\t'.join(['C', esc(case), esc(t['host']),
                                      esc(t.get('mailfrom', '')),
                                      esc(t.get('helo', '')),
                                      ','.join(results)]))
            out.append('E')
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""promcheck.py FILE - parse FILE as Prometheus text with the prometheus_client
parser (an independent implementation) and print one line per sample:
"name{label=value,...} value", labels sorted.  Exit 1 when it does not parse,
when a sample has no # TYPE, or when a series appears twice."""
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = open(sys.argv[1]).read()
    seen = set()
    try:
        for fam in text_string_to_metric_families(text):
            if fam.type == "unknown":
                sys.exit("%s: no # TYPE" % fam.name)
            for s in fam.samples:
                key = s.name + "{" + ",".join("%s=%s" % kv for kv in sorted(s.labels.items())) + "}"
                if key in seen:
                    sys.exit("duplicate series " + key)
                seen.add(key)
                print("%s %g" % (key, s.value))
    except ValueError as e:
        sys.exit("not Prometheus text: %s" % e)


main()

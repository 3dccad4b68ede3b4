#!/usr/bin/python3
"""msgnorm.py FILE - print a message in a form two copies of the same
message can be compared in: LF line ends, Received headers (added by the
MTAs on the way) dropped, and each DKIM-Signature unfolded, the tags that
change from one signing run to the next (b= the signature, t= the time,
x= the expiry) dropped and the white space inside the others removed.
Other headers stay as they are, folds included.  The order of the headers is kept: it is what is compared.
The body is printed as it is, except for empty lines at its end (an SMTP
client may add one; DKIM's canonicalizations ignore them, RFC 6376 3.4).
"""
import re
import sys

DROP_TAGS = {"b", "t", "x"}


def dkim(value):
    tags = []
    for part in value.split(";"):
        part = re.sub(r"\s+", "", part)
        if not part:
            continue
        name = part.split("=", 1)[0]
        if name not in DROP_TAGS:
            tags.append(part)
    return "; ".join(tags)


def main(path):
    with open(path, "rb") as f:
        data = f.read().replace(b"\r\n", b"\n").decode("utf-8", "replace")
    head, sep, body = data.partition("\n\n")
    fields = []
    for line in head.split("\n"):
        if line[:1] in (" ", "\t") and fields:
            fields[-1] += "\n" + line
        else:
            fields.append(line)
    out = []
    for field in fields:
        name, _, value = field.partition(":")
        if name.lower() == "received":
            continue
        if name.lower() == "dkim-signature":
            field = "%s: %s" % (name, dkim(value))
        out.append(field)
    body = body.rstrip("\n") + "\n" if body.strip("\n") else body
    sys.stdout.write("\n".join(out) + "\n" + sep + body)


if __name__ == "__main__":
    main(sys.argv[1])

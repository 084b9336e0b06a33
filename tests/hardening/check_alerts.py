#!/usr/bin/env python3
"""Checks alerts raised on the injection scenarios (audit_records.py inject_NAME).

  check_alerts.py json OUT NAME
      OUT holds the --output stdout lines: exactly one line, strict JSON,
      and process.args / command_line / working_directory / executable equal
      the injected bytes (invalid UTF-8 bytes as the documented text \\xHH).
  check_alerts.py syslog DATAGRAMS NAME KEYS
      DATAGRAMS holds what syslog_receiver.py recorded (one hex line per
      datagram): exactly one datagram, an RFC 3164 header, ONE line, the
      strict key=value grammar, exactly the keys listed in file KEYS, and
      values that decode to the injected bytes (or a prefix of them followed
      by the truncation marker when the sink had to cut them).
  check_alerts.py keys DATAGRAMS
      prints the keys of the one recorded alert (to make KEYS from a benign run).

Exit 0 when every check holds; otherwise the reasons on stderr and exit 1.
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from audit_records import injected_fields  # noqa: E402

HEADER = re.compile(rb"^<(\d+)>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Za-z0-9_.-]+\[[0-9]+\]: ")
TRUNCATED = re.compile(r"\.\.\.\[truncated ([0-9]+) bytes\]$")
MAX_DATAGRAM = 8192  # the syslog sink's default max_message_bytes

problems = []


def problem(text):
    problems.append(text)


def shown(raw: bytes) -> str:
    """How the JSON output shows bytes: UTF-8 as is, invalid bytes as \\xHH."""
    return raw.decode("utf-8", "backslashreplace")


def expected(name):
    f = injected_fields(name)
    return {
        "process.args": f["args"],
        "process.command_line": b" ".join(f["args"]),
        "process.working_directory": f["cwd"],
        "process.executable": f["exe"],
        "process.name": f["exe"].rsplit(b"/", 1)[-1],
    }


def check_json(path, name):
    with open(path, "rb") as fh:
        lines = fh.read().split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) != 1:
        problem("expected one JSON line, got %d" % len(lines))
        return
    try:
        text = lines[0].decode("utf-8")  # strict: the output itself must be UTF-8
        alert = json.loads(text, object_pairs_hook=no_duplicate_keys)
    except (UnicodeDecodeError, ValueError) as e:
        problem("the JSON alert does not parse: %s" % e)
        return
    want = expected(name)
    proc = alert.get("process", {})
    if proc.get("args") != [shown(a) for a in want["process.args"]]:
        problem("process.args differ from the injected arguments")
    for key in ("command_line", "working_directory", "executable", "name"):
        if proc.get(key) != shown(want["process." + key]):
            problem("process.%s differs: %r..." % (key, str(proc.get(key))[:80]))
    if proc.get("args_count") != len(want["process.args"]):
        problem("process.args_count is %r" % proc.get("args_count"))
    if alert.get("destination", {}).get("ip") != "169.254.169.254":
        problem("destination.ip missing")


def no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        problem("duplicate JSON keys: %s" % keys)
    return dict(pairs)


def parse_kv(message: bytes):
    """Strict key=value: pairs separated by one space; bare integers or
    "..." with only \\" \\\\ \\xHH escapes and no raw control bytes."""
    pairs = []
    i, n = 0, len(message)
    while i < n:
        m = re.compile(rb"[A-Za-z0-9_.@]+=").match(message, i)
        if not m:
            raise ValueError("bad key at %d" % i)
        key = m.group()[:-1].decode()
        i = m.end()
        if i < n and message[i:i + 1] == b'"':
            i += 1
            value = bytearray()
            while True:
                if i >= n:
                    raise ValueError("unterminated value of %s" % key)
                c = message[i]
                if c == 0x22:
                    i += 1
                    break
                if c < 0x20 or c == 0x7F:
                    raise ValueError("raw control byte 0x%02x in %s" % (c, key))
                if c == 0x5C:
                    e = message[i + 1:i + 2]
                    if e in (b'"', b"\\"):
                        value += e
                        i += 2
                    elif e == b"x" and re.fullmatch(rb"[0-9a-f]{2}", message[i + 2:i + 4]):
                        value.append(int(message[i + 2:i + 4], 16))
                        i += 4
                    else:
                        raise ValueError("bad escape in %s" % key)
                else:
                    value.append(c)
                    i += 1
            pairs.append((key, bytes(value), True))
        else:
            m = re.compile(rb"-?[0-9]+").match(message, i)
            if not m:
                raise ValueError("bad bare value of %s" % key)
            pairs.append((key, m.group(), False))
            i = m.end()
        if i < n:
            if message[i:i + 1] != b" ":
                raise ValueError("no single space after %s" % key)
            i += 1
            if i == n:
                raise ValueError("trailing space")
    return pairs


def one_datagram(path):
    with open(path) as fh:
        grams = [bytes.fromhex(line.strip()) for line in fh if line.strip()]
    if len(grams) != 1:
        problem("expected one syslog datagram, got %d" % len(grams))
        return None
    return grams[0]


def kv_message(gram):
    m = HEADER.match(gram)
    if not m:
        problem("no RFC 3164 header: %r" % gram[:60])
        return None
    if len(gram) > MAX_DATAGRAM:
        problem("datagram of %d bytes exceeds %d" % (len(gram), MAX_DATAGRAM))
    message = gram[m.end():]
    if b"\n" in message or b"\r" in message:
        problem("the message holds a line break")
    try:
        return parse_kv(message)
    except ValueError as e:
        problem("the key=value message does not parse: %s" % e)
        return None


def check_syslog(path, name, keys_path):
    gram = one_datagram(path)
    if gram is None:
        return
    pairs = kv_message(gram)
    if pairs is None:
        return
    keys = [k for k, _, _ in pairs]
    if len(keys) != len(set(keys)):
        problem("a key appears twice (forged field?)")
    with open(keys_path) as fh:
        want_keys = [k.strip() for k in fh if k.strip()]
    if keys != want_keys:
        problem("keys differ from a benign alert's: extra %s, missing %s"
                % (sorted(set(keys) - set(want_keys)), sorted(set(want_keys) - set(keys))))
    values = {k: v for k, v, _ in pairs}
    for key, raw in expected(name).items():
        if key == "process.args":
            continue  # JSON only
        got = values.get(key)
        if got is None:
            problem("%s missing" % key)
            continue
        text = got.decode("utf-8", "surrogateescape")
        t = TRUNCATED.search(text)
        if t:
            kept = text[: t.start()].encode("utf-8", "surrogateescape")
            if not raw.startswith(kept) or int(t.group(1)) != len(raw) - len(kept):
                problem("%s: the kept part or the truncation count is wrong" % key)
        elif got != raw:
            problem("%s does not decode to the injected bytes" % key)


def main(argv):
    if len(argv) == 4 and argv[1] == "json":
        check_json(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "syslog":
        check_syslog(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "keys":
        gram = one_datagram(argv[2])
        pairs = kv_message(gram) if gram else None
        if pairs:
            print("\n".join(k for k, _, _ in pairs))
    else:
        sys.stderr.write(__doc__)
        return 2
    for p in problems:
        sys.stderr.write("# %s\n" % p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

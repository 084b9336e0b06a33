#!/usr/bin/python3
"""Check a recorded auditd plugin stream against what the recorder knows by
construction, then write the scenario's .expect file.

The recorder (record-captures.sh) knows, without reading the capture, which
processes it started (their pids, printed by the shells that started them),
what they were (the path it ran, the arguments it passed, the directory it ran
them in) and where they connected. This script finds those facts again in the
raw audit records and fails loudly when any differs, so an .expect file never
states something the capture does not show. It is deliberately independent of
the product's parser (python3 stdlib, a few dozen lines of record parsing):
the captures are test data for that parser, so they must not be checked by it.

  capture_check.py CAPTURE CLAIMS EXPECT_OUT

CLAIMS is the recorder's line file (see record-captures.sh); EXPECT_OUT is
written only when every claim holds. Exit status 0 when all claims hold, 1
otherwise (the reasons on stderr), 2 on bad input.
"""

import ipaddress
import re
import sys

# Syscall numbers per audit arch (x86_64 and i386; the recorder runs on x86_64,
# and 32-bit clients would show up as i386). socketcall's call 3 is connect.
ARCHES = {
    "c000003e": {"execve": {59, 322}, "connect": {42}, "socketcall": set()},
    "40000003": {"execve": {11, 358}, "connect": {362}, "socketcall": {102}},
}

RECORD_RE = re.compile(r"^(?:node=(?P<node>\S+) )?type=(?P<type>\S+) msg=audit\((?P<sec>\d+)\.(?P<ms>\d+):(?P<serial>\d+)\): ?(?P<body>.*)$")
FIELD_RE = re.compile(r'([A-Za-z0-9_\[\]]+)=("[^"]*"|\S*)')


class Event:
    def __init__(self, key, ms):
        self.key = key          # (node, serial)
        self.ms = ms            # audit time in milliseconds
        self.records = []       # (type, {field: raw value})

    def first(self, rtype):
        for t, f in self.records:
            if t == rtype:
                return f
        return None

    def all(self, rtype):
        return [f for t, f in self.records if t == rtype]


def unquote(value):
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return value[1:-1]
    return value


def decode_hex_or_quoted(value):
    """An audit 'encoded' string: "quoted" text, or hex of the raw bytes."""
    if value.startswith('"'):
        return unquote(value)
    if value == "(null)":
        return None
    return bytes.fromhex(value).decode("utf-8", "surrogateescape")


def parse(path):
    events = {}
    order = []
    nodes = set()
    with open(path, "rb") as f:
        data = f.read().decode("utf-8", "surrogateescape")
    for line in data.split("\n"):
        if not line:
            continue
        raw = line.split("\x1d", 1)[0]  # ENRICHED: drop the interpreted tail
        m = RECORD_RE.match(raw)
        if not m:
            raise ValueError("not an audit record: %r" % line[:120])
        node = m.group("node")
        nodes.add(node)
        key = (node, int(m.group("serial")))
        ms = int(m.group("sec")) * 1000 + int(m.group("ms"))
        if key not in events:
            events[key] = Event(key, ms)
            order.append(key)
        fields = dict(FIELD_RE.findall(m.group("body")))
        events[key].records.append((m.group("type"), fields))
    return [events[k] for k in order], nodes, ("\x1d" in data)


def execve_args(event):
    """Decode EXECVE a0..a(argc-1), including split aN_len / aN[k] chunks."""
    recs = event.all("EXECVE")
    if not recs:
        return None
    merged = {}
    for r in recs:
        merged.update(r)
    argc = int(merged["argc"])
    args = []
    for i in range(argc):
        k = "a%d" % i
        if k in merged:
            args.append(decode_hex_or_quoted(merged[k]))
            continue
        chunks = []
        j = 0
        while "a%d[%d]" % (i, j) in merged:
            chunks.append(merged["a%d[%d]" % (i, j)])
            j += 1
        joined = "".join(c[1:-1] if c.startswith('"') else c for c in chunks)
        # Chunks are hex unless all of them were quoted.
        if chunks and all(c.startswith('"') for c in chunks):
            args.append(joined)
        else:
            args.append(bytes.fromhex(joined).decode("utf-8", "surrogateescape"))
    return args


def decode_sockaddr(hexstr):
    b = bytes.fromhex(hexstr)
    if len(b) < 2:
        return None
    fam = b[0] | (b[1] << 8)
    if fam == 2 and len(b) >= 8:
        return ("inet", str(ipaddress.IPv4Address(b[4:8])), (b[2] << 8) | b[3])
    if fam == 10 and len(b) >= 24:
        addr = ipaddress.IPv6Address(b[8:24])
        ip = str(addr.ipv4_mapped) if addr.ipv4_mapped else str(addr)
        return ("inet6", ip, (b[2] << 8) | b[3])
    if fam == 1:
        return ("unix", None, None)
    return ("family%d" % fam, None, None)


def classify(event):
    sc = event.first("SYSCALL")
    if sc is None:
        return None
    arch = sc.get("arch")
    if arch not in ARCHES:
        return None
    nr = int(sc["syscall"])
    info = {
        "arch": {"c000003e": "x86_64", "40000003": "i386"}[arch],
        "pid": int(sc["pid"]), "ppid": int(sc["ppid"]), "exe": decode_hex_or_quoted(sc.get("exe", '""')),
        "success": sc.get("success"), "exit": sc.get("exit"), "ms": event.ms, "serial": event.key[1],
        "event": event,
    }
    table = ARCHES[arch]
    if nr in table["execve"] and sc.get("success") == "yes":
        info["kind"] = "exec"
        info["args"] = execve_args(event)
        cwd = event.first("CWD")
        info["cwd"] = decode_hex_or_quoted(cwd["cwd"]) if cwd else None
        paths = {int(p["item"]): p for p in event.all("PATH")}
        info["path0"] = decode_hex_or_quoted(paths[0]["name"]) if 0 in paths else None
        return info
    if nr in table["connect"] or (nr in table["socketcall"] and sc.get("a0") == "3"):
        info["kind"] = "connect"
        info["syscall"] = "socketcall" if nr in table["socketcall"] else "connect"
        sa = event.first("SOCKADDR")
        info["sockaddr"] = decode_sockaddr(sa["saddr"]) if sa else None
        return info
    return None


def read_claims(path):
    header = {"wrapper": [], "description": []}
    seqs = []
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line == "[seq]":
                seqs.append({"exec.executable": []})
                continue
            key, _, value = line.partition("=")
            target = seqs[-1] if seqs else header
            if key == "exec.executable":
                target[key].append(value)
            elif key in ("wrapper", "description"):
                header[key].append(value)
            else:
                target[key] = value
    return header, seqs


def main(argv):
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    capture, claims_path, expect_out = argv[1:]
    header, seqs = read_claims(claims_path)
    events, nodes, enriched = parse(capture)
    facts = [x for x in (classify(e) for e in events) if x]
    execs = [x for x in facts if x["kind"] == "exec"]
    connects = [x for x in facts if x["kind"] == "connect"]
    errors = []

    def fail(msg):
        errors.append(msg)

    want_format = header.get("format", "ENRICHED")
    if (want_format == "ENRICHED") != enriched:
        fail("capture format: expected %s" % want_format)
    want_node = header.get("node")
    if want_node and nodes != {want_node}:
        fail("node names %s, expected only %s" % (sorted(n or "-" for n in nodes), want_node))
    if not want_node and nodes != {None}:
        fail("unexpected node= prefixes %s" % sorted(n or "-" for n in nodes))
    if header.get("require_no_af_unix") == "1":
        unix = [c for c in connects if c["sockaddr"] and c["sockaddr"][0] == "unix"]
        if unix:
            fail("%d AF_UNIX connects recorded despite saddr_fam rules" % len(unix))

    def exec_of(pid, before_ms=None):
        found = [e for e in execs if e["pid"] == pid and (before_ms is None or e["ms"] <= before_ms)]
        return found

    imds_ip = "169.254.169.254"
    # Every process a wrapper shell started must be one the recorder launched
    # (nothing unplanned can start or join a sequence), and every IMDS connect
    # by a wrapper's child must belong to a claimed sequence.
    claimed_connect_pids = {int(s["connect.pid"]) for s in seqs if "connect.pid" in s}
    for w in header["wrapper"]:
        wpid, _, kids = w.partition(":")
        wpid = int(wpid)
        kids = {int(k) for k in kids.split(",") if k}
        if not exec_of(wpid):
            fail("wrapper shell %d: its own exec is not in the capture" % wpid)
        seen = {e["pid"] for e in execs if e["ppid"] == wpid}
        if seen != kids:
            fail("wrapper %d: children exec'd %s, launched %s" % (wpid, sorted(seen), sorted(kids)))
        for c in connects:
            if c["ppid"] == wpid and c["sockaddr"] and c["sockaddr"][1] == imds_ip and c["pid"] not in claimed_connect_pids:
                fail("wrapper %d: unclaimed IMDS connect by pid %d" % (wpid, c["pid"]))

    out_seqs = []
    for n, s in enumerate(seqs, 1):
        where = "seq %d" % n
        pid = int(s["exec.pid"])
        mine = exec_of(pid)
        # exec.index: the Nth exec of a process that execs more than once
        # (a program that re-execs itself); otherwise there must be exactly one.
        index = int(s.get("exec.index", "0"))
        if index == 0 and len(mine) != 1:
            fail("%s: %d exec events for pid %d, expected 1" % (where, len(mine), pid))
            continue
        if index > len(mine):
            fail("%s: pid %d has %d exec events, no #%d" % (where, pid, len(mine), index))
            continue
        ex = mine[max(index, 1) - 1]
        want_exe = s["exec.executable"]
        if ex["exe"] != want_exe[0]:
            fail("%s: exe %r, expected %r" % (where, ex["exe"], want_exe[0]))
        if ex["path0"] != want_exe[-1]:
            fail("%s: PATH item 0 %r, expected %r" % (where, ex["path0"], want_exe[-1]))
        if ex["ppid"] != int(s["exec.parent.pid"]):
            fail("%s: ppid %d, expected %s" % (where, ex["ppid"], s["exec.parent.pid"]))
        if ex["cwd"] != s["exec.working_directory"]:
            fail("%s: cwd %r, expected %r" % (where, ex["cwd"], s["exec.working_directory"]))
        cmdline = " ".join(ex["args"] or [])
        if cmdline != s["exec.command_line"]:
            fail("%s: command line %r, expected %r" % (where, cmdline, s["exec.command_line"]))
        parent = [e for e in exec_of(ex["ppid"]) if (e["ms"], e["serial"]) < (ex["ms"], ex["serial"])]
        if not parent:
            fail("%s: no exec of parent %d before the child's exec" % (where, ex["ppid"]))
        elif parent[-1]["exe"] != s["exec.parent.executable"]:
            fail("%s: parent exe %r, expected %r" % (where, parent[-1]["exe"], s["exec.parent.executable"]))
        out = dict(s)
        cpid = int(s["connect.pid"])
        want = (s["connect.destination.ip"], int(s["connect.destination.port"]))
        cands = [c for c in connects if c["pid"] == cpid and c["sockaddr"] and c["sockaddr"][0] in ("inet", "inet6")
                 and (c["sockaddr"][1], c["sockaddr"][2]) == want and (c["ms"], c["serial"]) > (ex["ms"], ex["serial"])]
        if not cands:
            fail("%s: no connect by pid %d to %s:%d after the exec" % (where, cpid, want[0], want[1]))
            continue
        co = cands[0]
        if co["ppid"] != int(s["connect.parent.pid"]):
            fail("%s: connect ppid %d, expected %s" % (where, co["ppid"], s["connect.parent.pid"]))
        delay = co["ms"] - ex["ms"]
        lo, hi = int(s.get("delay_ms.min", "0")), int(s.get("delay_ms.max", "900"))
        if not lo <= delay <= hi:
            fail("%s: exec→connect %d ms, outside [%d, %d] (timing: re-record)" % (where, delay, lo, hi))
        out["exec.arch"] = ex["arch"]
        out["connect.syscall"] = co["syscall"]
        out["connect.exit"] = co["exit"]
        out["connect.family"] = co["sockaddr"][0]
        out["exec.serial"] = str(ex["serial"])
        out["connect.serial"] = str(co["serial"])
        out["delay_ms"] = str(delay)
        out_seqs.append(out)

    if errors:
        for e in errors:
            sys.stderr.write("capture_check: %s: %s\n" % (header.get("scenario", "?"), e))
        return 1

    keys = ["alert_in", "exec.pid", "exec.executable", "exec.parent.pid", "exec.parent.executable",
            "exec.working_directory", "exec.command_line", "exec.arch", "exec.serial", "connect.pid",
            "connect.parent.pid", "connect.destination.ip", "connect.destination.port", "connect.family",
            "connect.syscall", "connect.exit", "connect.serial", "delay_ms"]
    lines = ["# %s" % d for d in header["description"]]
    lines.append("# Generated by tests/e2e/record-captures.sh; format: tests/data/README.md.")
    lines.append("format=%s" % want_format)
    lines.append("alerts_v3=%s" % header["alerts_v3"])
    lines.append("alerts_upstream=%s" % header["alerts_upstream"])
    if want_node:
        lines.append("host.id=%s" % want_node)
        lines.append("host.name=%s" % want_node)
    for n, s in enumerate(out_seqs, 1):
        prefix = "" if n == 1 else "seq%d." % n
        for k in keys:
            if k == "exec.executable":
                values = s[k] if s[k][0] != s[k][-1] else s[k][:1]
                for v in values:
                    lines.append("%s%s=%s" % (prefix, k, v))
            else:
                v = s[k]
                if "\n" in v:
                    raise ValueError("newline in %s" % k)
                lines.append("%s%s=%s" % (prefix, k, v))
    with open(expect_out, "w") as f:
        f.write("\n".join(lines) + "\n")
    summary = ", ".join("%s→%s %sms exit=%s" % (s["exec.pid"], s["connect.pid"], s["delay_ms"], s["connect.exit"]) for s in out_seqs)
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Check a recorded auditd plugin stream against what the recorder knows by
construction, then write the scenario's .expect file.

The recorder (record-captures.sh) knows, without reading the capture, which
processes it started (their pids, printed by the shells that started them),
what they were (the path it ran, whether it wrote that file as a `#!` script,
the arguments it passed, the directory it ran them in) and where they
connected. This script finds those facts again in the raw audit records and
fails loudly when any differs, so an .expect file never states something the
capture does not show. It is deliberately independent of the product's parser
(python3 stdlib, a few dozen lines of record parsing): the captures are test
data for that parser, so they must not be checked by it.

  capture_check.py CAPTURE CLAIMS EXPECT_OUT
  capture_check.py --from-expect OLD_EXPECT [--script N=LINE]... [--parent-script N=LINE]...
                   CAPTURE EXPECT_OUT

CLAIMS is the recorder's line file (see scenarios.sh: claim_seq); EXPECT_OUT
is written only when every claim holds. Exit status 0 when all claims hold, 1
otherwise (the reasons on stderr), 2 on bad input.

--from-expect re-derives an .expect for an existing capture: the claims are
taken from OLD_EXPECT (its pids, paths, command lines, serials, counts and
description; an old-style exec.executable list is read as exe= then PATH
item 0), the events are pinned by their serials, and every value read back
from the capture must equal what OLD_EXPECT said. `--script N=LINE` says that
sequence N's exec ran a script the recorder wrote with "#!LINE" (the old
format does not say so), `--parent-script N=LINE` the same of its parent.
The process.executable values are then derived as for a new capture; run on
a file of this format, it must reproduce that file.

process.executable, as written to the .expect (tests/data/README.md): the
canonical path first -- for a binary the kernel's exe=, for a `#!` script the
script: PATH item 0 made absolute against CWD and normalised lexically (".",
"..", "//"; symlinks not resolved) -- then PATH item 0 as handed to execve
when that was relative. A script exec is recognised only when the recorder
says it wrote one, and then verified in the records: binfmt_script rewrites
the arguments to "INTERPRETER [ARG] PATH0 ARGS...", the kernel opens the
interpreter as PATH item 1, and exe= is the (resolved) interpreter. For a
binary, the claimed argument list itself (checked below) shows that no script
handler rewrote it.
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

IMDS_IP = "169.254.169.254"
MULTI = ("exec.executable",)


class Event:
    def __init__(self, key, ms, pos):
        self.key = key          # (node, serial)
        self.ms = ms            # audit time in milliseconds
        self.pos = pos          # line number of its first record in the stream
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
    for pos, line in enumerate(data.split("\n")):
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
            events[key] = Event(key, ms, pos)
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
        "pos": event.pos, "event": event,
    }
    table = ARCHES[arch]
    if nr in table["execve"] and sc.get("success") == "yes":
        info["kind"] = "exec"
        info["args"] = execve_args(event)
        cwd = event.first("CWD")
        info["cwd"] = decode_hex_or_quoted(cwd["cwd"]) if cwd else None
        paths = {int(p["item"]): p for p in event.all("PATH")}
        info["path0"] = decode_hex_or_quoted(paths[0]["name"]) if 0 in paths else None
        info["path1"] = decode_hex_or_quoted(paths[1]["name"]) if 1 in paths else None
        return info
    if nr in table["connect"] or (nr in table["socketcall"] and sc.get("a0") == "3"):
        info["kind"] = "connect"
        info["syscall"] = "socketcall" if nr in table["socketcall"] else "connect"
        sa = event.first("SOCKADDR")
        info["sockaddr"] = decode_sockaddr(sa["saddr"]) if sa else None
        return info
    return None


def stamp(x):
    """Order of events: audit time, then serial."""
    return (x["ms"], x["serial"])


def lexical_path(path, cwd):
    """PATH made absolute against CWD, normalised without touching the file
    system: empty and "." components dropped, ".." removes the previous one
    (never above /). Unlike posixpath.normpath, a leading "//" is "/"."""
    if not path.startswith("/"):
        path = (cwd or "/") + "/" + path
    out = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
            continue
        out.append(part)
    return "/" + "/".join(out)


def executable_values(ex, script):
    """process.executable of an exec: canonical first, then the relative
    spelling handed to execve (if it was relative)."""
    values = [lexical_path(ex["path0"], ex["cwd"]) if script else ex["exe"]]
    if ex["path0"] is not None and not ex["path0"].startswith("/"):
        values.append(ex["path0"])
    return values


def check_image(what, ex, kernel_exe, path0, script, fail):
    """The exec's exe= and PATH item 0 are what the recorder says; if it
    says it ran a script with "#!LINE", the kernel's script handler shows."""
    if kernel_exe is not None and ex["exe"] != kernel_exe:
        fail("%s: exe %r, expected %r" % (what, ex["exe"], kernel_exe))
    if path0 is not None and ex["path0"] != path0:
        fail("%s: PATH item 0 %r, expected %r" % (what, ex["path0"], path0))
    if script:
        interp, _, iarg = script.strip().partition(" ")
        iarg = iarg.strip()
        prefix = [interp] + ([iarg] if iarg else []) + [ex["path0"]]
        if (ex["args"] or [])[:len(prefix)] != prefix:
            fail("%s: arguments %r do not start with %r (binfmt_script's rewrite of a #!%s script)"
                 % (what, ex["args"], prefix, script))
        if ex["path1"] != interp:
            fail("%s: PATH item 1 %r, expected the interpreter %r" % (what, ex["path1"], interp))


def read_claims(path):
    header = {"wrapper": [], "description": []}
    seqs = []
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            if line == "[seq]":
                seqs.append({k: [] for k in MULTI})
                continue
            key, _, value = line.partition("=")
            target = seqs[-1] if seqs else header
            if key in MULTI:
                target[key].append(value)
            elif key in ("wrapper", "description"):
                header[key].append(value)
            else:
                target[key] = value
    return header, seqs


def claims_from_expect(path, scripts, parent_scripts):
    """Claims for an existing capture, from its .expect (old or new format).
    Every value it states becomes a claim checked against the capture."""
    header = {"wrapper": [], "description": [], "from_expect": path}
    seqs = {}
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line:
                continue
            if line.startswith("#"):
                text = line[1:].strip()
                if not text.startswith("Generated by "):
                    header["description"].append(text)
                continue
            key, _, value = line.partition("=")
            m = re.match(r"seq(\d+)\.(.*)$", key)
            if m:
                n, key = int(m.group(1)), m.group(2)
            elif key.startswith(("exec.", "connect.")) or key in ("alert_in", "delay_ms"):
                n = 1
            else:
                if key == "host.id":
                    header["node"] = value
                elif key == "format":
                    header["format"] = value
                elif key in ("alerts_v3", "alerts_upstream"):
                    header[key] = value
                continue
            s = seqs.setdefault(n, {k: [] for k in MULTI})
            if key in MULTI:
                s[key].append(value)
            else:
                s[key] = value
    out = []
    for n in sorted(seqs):
        s = seqs[n]
        old = s.pop("exec.executable")
        script, pscript = scripts.get(n), parent_scripts.get(n)
        if "exec.name" not in s:
            # Old format: exe=, then PATH item 0 when it differed; the
            # parent's exe=.
            s["exec.kernel_exe"] = old[0]
            s["exec.path0"] = old[-1]
            s["exec.parent.kernel_exe"] = s.pop("exec.parent.executable")
        else:
            # This format: canonical values; a script's exe= is its interpreter.
            s["exec.executable"] = old
            s["exec.kernel_exe"] = s.pop("exec.interpreter", None) or old[0]
            if (s["exec.kernel_exe"] != old[0]) != bool(script):
                raise ValueError("seq %d: exec.interpreter and --script must come together" % n)
        if script:
            s["exec.script"] = script
        if pscript:
            s["exec.parent.script"] = pscript
        # Values read back from the capture must be what the old file said.
        for k in ("exec.arch", "exec.serial", "connect.family", "connect.syscall", "connect.exit",
                  "connect.serial", "delay_ms"):
            if k in s:
                s["old." + k] = s.pop(k)
        s["exec.serial"] = s["old.exec.serial"]
        s["connect.serial"] = s["old.connect.serial"]
        s["connect.exit"] = s["old.connect.exit"]
        s.setdefault("delay_ms.min", "0")
        s.setdefault("delay_ms.max", str(10 ** 9))
        out.append(s)
    for n in list(scripts) + list(parent_scripts):
        if n not in seqs:
            raise ValueError("--script/--parent-script %d: no such sequence in %s" % (n, path))
    return header, out


def main(argv):
    args = argv[1:]
    scripts, parent_scripts = {}, {}
    from_expect = None
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--from-expect" and args:
            from_expect = args.pop(0)
        elif opt in ("--script", "--parent-script") and args and "=" in args[0]:
            n, _, line = args.pop(0).partition("=")
            (scripts if opt == "--script" else parent_scripts)[int(n)] = line
        else:
            sys.stderr.write(__doc__)
            return 2
    if (from_expect and len(args) != 2) or (not from_expect and len(args) != 3):
        sys.stderr.write(__doc__)
        return 2
    if from_expect:
        capture, expect_out = args
        header, seqs = claims_from_expect(from_expect, scripts, parent_scripts)
    else:
        capture, claims_path, expect_out = args
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

    def exec_of(pid):
        return [e for e in execs if e["pid"] == pid]

    # Every process a wrapper shell (or a client that starts processes of its
    # own) started must be one the recorder launched (nothing unplanned can
    # start or join a sequence), and every IMDS connect by such a child must
    # belong to a claimed sequence.
    claimed_connect_pids = {int(s["connect.pid"]) for s in seqs if "connect.pid" in s}
    for w in header["wrapper"]:
        wpid, _, kids = w.partition(":")
        wpid = int(wpid)
        kids = {int(k) for k in kids.split(",") if k}
        if not exec_of(wpid):
            fail("process %d: its own exec is not in the capture" % wpid)
        seen = {e["pid"] for e in execs if e["ppid"] == wpid}
        if seen != kids:
            fail("process %d: children exec'd %s, launched %s" % (wpid, sorted(seen), sorted(kids)))
        for c in connects:
            if c["ppid"] == wpid and c["sockaddr"] and c["sockaddr"][1] == IMDS_IP and c["pid"] not in claimed_connect_pids:
                fail("process %d: unclaimed IMDS connect by pid %d" % (wpid, c["pid"]))

    out_seqs = []
    for n, s in enumerate(seqs, 1):
        where = "seq %d" % n
        pid = int(s["exec.pid"])
        mine = exec_of(pid)
        if "exec.serial" in s:
            ex = [e for e in mine if str(e["serial"]) == s["exec.serial"]]
            if len(ex) != 1:
                fail("%s: no exec of pid %d with serial %s" % (where, pid, s["exec.serial"]))
                continue
            ex = ex[0]
        else:
            # exec.index: the Nth exec of a process that execs more than once
            # (a program that re-execs itself); otherwise there must be exactly one.
            index = int(s.get("exec.index", "0"))
            if index == 0 and len(mine) != 1:
                fail("%s: %d exec events for pid %d, expected 1" % (where, len(mine), pid))
                continue
            if index > len(mine):
                fail("%s: pid %d has %d exec events, no #%d" % (where, pid, len(mine), index))
                continue
            ex = sorted(mine, key=stamp)[max(index, 1) - 1]
        script = s.get("exec.script")
        check_image(where, ex, s.get("exec.kernel_exe"), s.get("exec.path0"), script, fail)
        if ex["ppid"] != int(s["exec.parent.pid"]):
            fail("%s: ppid %d, expected %s" % (where, ex["ppid"], s["exec.parent.pid"]))
        if ex["cwd"] != s["exec.working_directory"]:
            fail("%s: cwd %r, expected %r" % (where, ex["cwd"], s["exec.working_directory"]))
        cmdline = " ".join(ex["args"] or [])
        if cmdline != s["exec.command_line"]:
            fail("%s: command line %r, expected %r" % (where, cmdline, s["exec.command_line"]))
        values = executable_values(ex, script)
        if s.get("exec.executable") and s["exec.executable"] != values:
            fail("%s: process.executable %r from the records, the recorder says %r" % (where, values, s["exec.executable"]))
        name = values[0].rsplit("/", 1)[-1]
        if s.get("exec.name", name) != name:
            fail("%s: process.name %r from the records, the recorder says %r" % (where, name, s["exec.name"]))
        # The parent: its latest image exec'd before the child's exec.
        pscript = s.get("exec.parent.script")
        pexecs = exec_of(ex["ppid"])
        parent = [e for e in pexecs if stamp(e) < stamp(ex)]
        pvalues = None
        if not parent:
            fail("%s: no exec of parent %d before the child's exec" % (where, ex["ppid"]))
        else:
            pex = max(parent, key=stamp)
            check_image(where + " parent", pex, s.get("exec.parent.kernel_exe"), s.get("exec.parent.path0"), pscript, fail)
            pvalues = executable_values(pex, pscript)
            if s.get("exec.parent.executable", pvalues[0]) != pvalues[0]:
                fail("%s: parent's process.executable %r from the records, the recorder says %r"
                     % (where, pvalues[0], s["exec.parent.executable"]))
        out = dict(s)
        cpid = int(s["connect.pid"])
        want = (s["connect.destination.ip"], int(s["connect.destination.port"]))
        cands = [c for c in connects if c["pid"] == cpid and c["sockaddr"] and c["sockaddr"][0] in ("inet", "inet6")
                 and (c["sockaddr"][1], c["sockaddr"][2]) == want and stamp(c) > stamp(ex)]
        if "connect.serial" in s:
            cands = [c for c in cands if str(c["serial"]) == s["connect.serial"]]
        if "connect.exit" in s:
            cands = [c for c in cands if c["exit"] == s["connect.exit"]]
        if not cands:
            fail("%s: no connect by pid %d to %s:%d%s after the exec" % (
                where, cpid, want[0], want[1], " with exit=%s" % s["connect.exit"] if "connect.exit" in s else ""))
            continue
        co = min(cands, key=stamp)
        if co["ppid"] != int(s["connect.parent.pid"]):
            fail("%s: connect ppid %d, expected %s" % (where, co["ppid"], s["connect.parent.pid"]))
        delay = co["ms"] - ex["ms"]
        lo, hi = int(s.get("delay_ms.min", "0")), int(s.get("delay_ms.max", "900"))
        if not lo <= delay <= hi:
            fail("%s: exec→connect %d ms, outside [%d, %d] (timing: re-record)" % (where, delay, lo, hi))
        # The parent re-execs itself (same pid, same parent) after the child's
        # exec and before its connect.
        if "exec.parent.reexec_exe" in s and parent:
            later = [e for e in pexecs if stamp(e) > stamp(ex)]
            if len(pexecs) != 2 or len(later) != 1:
                fail("%s: parent %d exec'd %d times (%d after the child's exec), expected twice, once after"
                     % (where, ex["ppid"], len(pexecs), len(later)))
            else:
                re_ex = later[0]
                if re_ex["exe"] != s["exec.parent.reexec_exe"]:
                    fail("%s: parent's re-exec exe %r, expected %r" % (where, re_ex["exe"], s["exec.parent.reexec_exe"]))
                if re_ex["ppid"] != pex["ppid"]:
                    fail("%s: parent's re-exec has ppid %d, its first exec %d" % (where, re_ex["ppid"], pex["ppid"]))
                if not stamp(re_ex) < stamp(co):
                    fail("%s: parent re-exec'd at %d ms, not before the connect at %d ms (timing: re-record)"
                         % (where, re_ex["ms"], co["ms"]))
                out["reexec_ms"] = str(re_ex["ms"] - ex["ms"])
        # A blocking connect: emitted at the syscall's exit, after the records
        # of execs stamped later than it (by any process).
        if s.get("connect.late") == "1":
            overtaken = [e for e in execs if e["ms"] > co["ms"] and e["pos"] < co["pos"]]
            if not overtaken:
                fail("%s: no exec stamped after the connect (%d ms after the exec) arrived before it (timing: re-record)"
                     % (where, delay))
            out["overtaken"] = str(len(overtaken))
        derived = {"exec.arch": ex["arch"], "exec.serial": str(ex["serial"]), "connect.syscall": co["syscall"],
                   "connect.exit": co["exit"], "connect.family": co["sockaddr"][0],
                   "connect.serial": str(co["serial"]), "delay_ms": str(delay)}
        for k, v in derived.items():
            if "old." + k in s and s["old." + k] != v:
                fail("%s: %s=%s in the capture, %s in %s" % (where, k, v, s["old." + k], header["from_expect"]))
        out.update(derived)
        out["exec.executable"] = values
        out["exec.name"] = name
        if script:
            out["exec.interpreter"] = ex["exe"]
        if pvalues:
            out["exec.parent.executable"] = pvalues[0]
        out_seqs.append(out)

    if errors:
        for e in errors:
            sys.stderr.write("capture_check: %s: %s\n" % (header.get("scenario", from_expect or "?"), e))
        return 1

    keys = ["alert_in", "exec.pid", "exec.executable", "exec.name", "exec.interpreter", "exec.parent.pid",
            "exec.parent.executable", "exec.working_directory", "exec.command_line", "exec.arch", "exec.serial",
            "connect.pid", "connect.parent.pid", "connect.destination.ip", "connect.destination.port",
            "connect.family", "connect.syscall", "connect.exit", "connect.serial", "delay_ms"]
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
            if k not in s:
                continue
            for v in (s[k] if k in MULTI else [s[k]]):
                if "\n" in v:
                    raise ValueError("newline in %s" % k)
                lines.append("%s%s=%s" % (prefix, k, v))
    with open(expect_out, "w") as f:
        f.write("\n".join(lines) + "\n")

    def summary(s):
        text = "%s→%s %sms exit=%s" % (s["exec.pid"], s["connect.pid"], s["delay_ms"], s["connect.exit"])
        if "reexec_ms" in s:
            text += " parent re-exec at %sms" % s["reexec_ms"]
        if "overtaken" in s:
            text += " after %s later-stamped execs" % s["overtaken"]
        return text
    print(", ".join(summary(s) for s in out_seqs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

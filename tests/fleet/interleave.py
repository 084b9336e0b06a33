#!/usr/bin/python3
"""Build one collector stream out of several single-host audit captures.

A central auditd (local_events = no, fed by audisp-remote) hands its plugins
the records of many hosts, each prefixed with node=NAME, interleaved as they
arrive. This makes such a stream from captures recorded on one machine
(tests/data/*.log), so that equal pids, parent pids, serials and timestamps
collide across nodes on purpose:

  interleave.py [options] NODE=CAPTURE [NODE=CAPTURE ...] > merged.log

  NODE        the node name to put on every record of CAPTURE (a node=
              prefix already there is replaced); empty (=CAPTURE) means no
              node= at all, i.e. records of the collector's own host.
  --pids aligned   (default) renumber each capture's pids in order of first
              appearance from --pid-base, the same for every capture: captures
              recorded with the same scenario structure (tests/data: auditd,
              recorder, auditctl x3, wrappers, client) then share every pid
              and ppid. "keep" leaves them as recorded.
  --stamps lockstep (default) event k of every capture gets serial
              --serial-base+k and the timestamp of event k of the FIRST
              capture (so stamps are equal across nodes); "rebase" gives
              serial base+k but keeps each capture's own timing, moved to
              start where the first capture starts; "keep" changes nothing.
  --distinct-serials  capture i (from 0) gets serials from
              --serial-base + i*100000 instead: with one node name given to
              several captures, their events then stay apart (a control run:
              the same collisions of pids, without node separation).
  --skew NODE=SECONDS  move NODE's timestamps (after --stamps), e.g. a host
              whose clock is ahead.
  --interleave event (default) round-robin one whole event (all records
              sharing a stamp) per node; "record" round-robin one record per
              node (what a busy collector may do between TCP connections).
  --describe FILE  write one TSV line per exec/connect SYSCALL of the output:
              node, serial, syscall number, pid, ppid, exe, the event's
              SOCKADDR hex (empty for exec).

Records are handled as bytes: ENRICHED text (after \\x1d) passes unchanged.
Only the node= prefix, the msg=audit(...) stamp and the pid=/ppid= fields are
rewritten.
"""
import argparse
import re
import sys

STAMP = re.compile(rb"msg=audit\((\d+)\.(\d{3}):(\d+)\)")
NODE_PREFIX = re.compile(rb"^node=\S+ ")
PID_FIELD = re.compile(rb"(?<= )(ppid|pid)=(\d+)")
SYSCALL_NR = re.compile(rb" syscall=(\d+) ")
EXE_FIELD = re.compile(rb' exe=("[^"]*"|\S+)')
SADDR_FIELD = re.compile(rb"saddr=([0-9A-Fa-f]+)")


def parse_capture(path):
    """Events of one capture: [(sec, ms, serial), [record bytes...]] in order."""
    events = []
    index = {}
    with open(path, "rb") as f:
        for raw in f:
            line = raw.rstrip(b"\n")
            if not line:
                continue
            m = STAMP.search(line)
            if m is None:
                raise SystemExit(f"{path}: not an audit record: {line[:80]!r}")
            key = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if key not in index:
                index[key] = len(events)
                events.append([key, []])
            events[index[key]][1].append(NODE_PREFIX.sub(b"", line))
    return events


def renumber_pids(events, base):
    mapping = {}

    def sub(m):
        pid = int(m.group(2))
        if pid <= 1:  # init and "no parent" stay what they are
            return m.group(0)
        if pid not in mapping:
            mapping[pid] = base + len(mapping)
        return m.group(1) + b"=" + str(mapping[pid]).encode()

    for event in events:
        event[1] = [PID_FIELD.sub(sub, r) for r in event[1]]


def restamp(events, stamps, serial_base, reference):
    """reference: the first capture's original (sec, ms) per event index."""
    if stamps == "keep":
        return
    first = events[0][0]
    ref_first = reference[0]
    for k, event in enumerate(events):
        sec, ms, _ = event[0]
        if stamps == "lockstep" and k < len(reference):
            t = reference[k][0] * 1000 + reference[k][1]
        else:
            t = (ref_first[0] * 1000 + ref_first[1]) + (sec * 1000 + ms) - (first[0] * 1000 + first[1])
            if stamps == "lockstep":  # beyond the reference: keep our own spacing after its end
                last = reference[-1][0] * 1000 + reference[-1][1]
                t = max(t, last + (k - len(reference) + 1))
        event[0] = (t // 1000, t % 1000, serial_base + k)


def apply_stamp(events, skew_ms):
    for event in events:
        sec, ms, serial = event[0]
        t = sec * 1000 + ms + skew_ms
        event[0] = (t // 1000, t % 1000, serial)
        stamp = b"msg=audit(%d.%03d:%d)" % (t // 1000, t % 1000, serial)
        event[1] = [STAMP.sub(lambda _m: stamp, r, count=1) for r in event[1]]


def describe(node, event):
    serial = event[0][2]
    syscall = next((r for r in event[1] if r.startswith(b"type=SYSCALL ")), None)
    if syscall is None:
        return None
    nr = SYSCALL_NR.search(syscall)
    if nr is None or nr.group(1) not in (b"59", b"322", b"42"):
        return None
    fields = dict((m.group(1), m.group(2)) for m in PID_FIELD.finditer(syscall))
    exe = EXE_FIELD.search(syscall)
    saddr = b""
    for r in event[1]:
        if r.startswith(b"type=SOCKADDR "):
            s = SADDR_FIELD.search(r)
            saddr = s.group(1) if s else b""
    cols = [node, str(serial), nr.group(1).decode(), fields.get(b"pid", b"").decode(),
            fields.get(b"ppid", b"").decode(), (exe.group(1) if exe else b"").decode(errors="replace").strip('"'),
            saddr.decode()]
    return "\t".join(cols)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("captures", nargs="+", metavar="NODE=CAPTURE")
    ap.add_argument("--pids", choices=("aligned", "keep"), default="aligned")
    ap.add_argument("--pid-base", type=int, default=20000)
    ap.add_argument("--stamps", choices=("lockstep", "rebase", "keep"), default="lockstep")
    ap.add_argument("--serial-base", type=int, default=5000)
    ap.add_argument("--distinct-serials", action="store_true")
    ap.add_argument("--skew", action="append", default=[], metavar="NODE=SECONDS")
    ap.add_argument("--interleave", choices=("event", "record"), default="event")
    ap.add_argument("--describe", metavar="FILE")
    args = ap.parse_args()

    nodes = []
    for spec in args.captures:
        node, sep, path = spec.partition("=")
        if not sep or not path:
            ap.error(f"expected NODE=CAPTURE, got {spec!r}")
        nodes.append((node, parse_capture(path)))
    skews = {}
    for spec in args.skew:
        node, _, seconds = spec.partition("=")
        skews[node] = int(round(float(seconds) * 1000))

    reference = [(e[0][0], e[0][1]) for e in nodes[0][1]]
    for i, (node, events) in enumerate(nodes):
        if args.pids == "aligned":
            renumber_pids(events, args.pid_base)
        serial_base = args.serial_base + (i * 100000 if args.distinct_serials else 0)
        restamp(events, args.stamps, serial_base, reference)
        apply_stamp(events, skews.get(node, 0))

    out = sys.stdout.buffer
    desc = open(args.describe, "w") if args.describe else None
    prefixes = {node: (b"" if node == "" else b"node=" + node.encode() + b" ") for node, _ in nodes}
    if args.interleave == "event":
        for k in range(max(len(events) for _, events in nodes)):
            for node, events in nodes:
                if k < len(events):
                    for record in events[k][1]:
                        out.write(prefixes[node] + record + b"\n")
                    if desc:
                        line = describe(node, events[k])
                        if line:
                            desc.write(line + "\n")
    else:
        streams = [(node, [r for e in events for r in e[1]]) for node, events in nodes]
        for k in range(max(len(records) for _, records in streams)):
            for node, records in streams:
                if k < len(records):
                    out.write(prefixes[node] + records[k] + b"\n")
        if desc:
            for node, events in nodes:
                for event in events:
                    line = describe(node, event)
                    if line:
                        desc.write(line + "\n")
    if desc:
        desc.close()


if __name__ == "__main__":
    main()

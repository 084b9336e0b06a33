#!/usr/bin/env python3
"""Writes audit streams for fuzz_feed made from the real captures by the
changes a live stream can have and byte-level mutation rarely makes:
records of two events interleaved, an event moved or repeated under a new
serial, its time moved by a few seconds (a syscall that started earlier
but ended later), EOE or PROCTITLE lost, records from several node= hosts.

    structured_seeds.py OUTDIR SEED COUNT CAPTURE...

The same SEED and captures give the same files (fuzz/run.sh writes them
into the build tree as seeds of fuzz_feed, so the smoke run stays
repeatable). fuzz_feed checks each for crashes, bad alerts and for
alerts that depend on where the stream is cut.
"""
import os
import random
import re
import sys

KEY = re.compile(rb'msg=audit\((\d+)\.(\d+):(\d+)\)')
NODE = re.compile(rb'^node=\S+ ')


def events_of(path):
    """The capture's records grouped by event key, in first-seen order."""
    events, order = {}, []
    with open(path, 'rb') as f:
        for line in f.read().split(b'\n'):
            m = KEY.search(line)
            if not m:
                continue
            events.setdefault(m.group(0), []).append(line)
            if len(events[m.group(0)]) == 1:
                order.append(m.group(0))
    return [events[k] for k in order]


def restamp(lines, seconds, serial=None):
    def new_key(m):
        return b'msg=audit(%d.%s:%s)' % (int(m.group(1)) + seconds, m.group(2),
                                        m.group(3) if serial is None else str(serial).encode())
    return [KEY.sub(new_key, line, count=1) for line in lines]


def with_node(lines, node):
    return [(b'node=' + node + b' ' if node else b'') + NODE.sub(b'', line) for line in lines]


def interleave(rng, a, b):
    """The records of a and b merged, each event's own order kept."""
    a, b, merged = list(a), list(b), []
    while a or b:
        merged.append((a if a and (not b or rng.random() < 0.5) else b).pop(0))
    return merged


def stream(rng, captures):
    events = rng.choice(captures)
    start = rng.randrange(len(events))
    picked = [list(e) for e in events[start:start + rng.randint(2, 25)]]
    if rng.random() < 0.3:  # and some events of another capture
        other = rng.choice(captures)
        at = rng.randrange(len(other))
        picked += [list(e) for e in other[at:at + rng.randint(1, 10)]]
    serial = 900000
    out = []
    for e in picked:
        if rng.random() < 0.15:
            e = [line for line in e if b'type=EOE' not in line]
        if rng.random() < 0.08:
            e = [line for line in e if b'type=PROCTITLE' not in line]
        if rng.random() < 0.25:
            e = restamp(e, rng.randint(-4, 4))
        if rng.random() < 0.15:
            serial += 1
            out.append(restamp(e, rng.randint(-3, 3), serial))
        out.append(e)
    if rng.random() < 0.3:
        nodes = [b'', b'h1', b'h2', b'h3'][:rng.randint(2, 4)]
        out = [with_node(e, rng.choice(nodes)) for e in out]
    if rng.random() < 0.3 and len(out) > 2:
        out.insert(rng.randrange(len(out)), out.pop(rng.randrange(len(out))))
    lines, i = [], 0
    while i < len(out):
        if i + 1 < len(out) and rng.random() < 0.4:
            lines += interleave(rng, out[i], out[i + 1])
            i += 2
        else:
            lines += out[i]
            i += 1
    return b'\n'.join(lines) + b'\n'


def main(argv):
    if len(argv) < 5:
        sys.stderr.write(__doc__)
        return 2
    outdir, seed, count = argv[1], int(argv[2]), int(argv[3])
    captures = [e for e in (events_of(p) for p in sorted(argv[4:])) if e]
    if not captures:
        sys.stderr.write('structured_seeds.py: no audit records in the captures\n')
        return 1
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    for n in range(count):
        with open(os.path.join(outdir, 'structured-%d-%05d' % (seed, n)), 'wb') as f:
            f.write(stream(rng, captures))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))

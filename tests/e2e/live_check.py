#!/usr/bin/python3
"""Judge a live end-to-end run of audisp-imds (live_test.sh) and print TAP.

  live_check.py MANIFEST SYSLOG_FILE [PRECHECKS]

MANIFEST has one line per scenario, tab-separated:
  NAME  STATE  CAPDIR  START_US  END_US  NOTE
STATE is "run" (the scenario ran; CAPDIR/claims holds what the harness knows
by construction, CAPDIR/expect what capture_check.py confirmed in auditd's own
log, when it could), "skip" (NOTE says why) or "error" (its setup failed).
START_US/END_US are the wall-clock bounds of the scenario (microseconds).

PRECHECKS holds the harness's own set-up checks, reported first, one per
line: ok|fail<TAB>DESCRIPTION<TAB>DETAIL.

SYSLOG_FILE is what the private rsyslogd wrote, one message per line:
  RECEIVED<TAB>FACILITY.SEVERITY<TAB>TAG<TAB>MESSAGE
RECEIVED is rsyslog's receive time (RFC 3339, microseconds).

Every alert line is attributed to a scenario by its pids (the exec'd process,
its parent, the connecting process), and to the scenario's time window when a
pid was reused; the expected alerts of a scenario are its sequences whose
alert_in names v3 (the default rule). Prints one TAP line per check, the plan,
then the delay from each connect (its audit time, in the alert) to rsyslog
receiving the alert line. Exit status 0 when every check passed, else 1.
"""

import datetime
import re
import statistics
import sys

KV_RE = re.compile(r'([A-Za-z0-9_@.]+)=("(?:[^"\\]|\\.)*"|[^ ]*)')


def kv_unescape(text):
    out = bytearray()
    i = 0
    raw = text.encode("utf-8", "surrogateescape")
    while i < len(raw):
        c = raw[i]
        if c == 0x5C and i + 1 < len(raw):  # backslash
            n = raw[i + 1]
            if n == ord("x") and i + 3 < len(raw):
                out.append(int(raw[i + 2:i + 4], 16))
                i += 4
                continue
            out.append(n)
            i += 2
            continue
        out.append(c)
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_kv(message):
    fields = {}
    for key, value in KV_RE.findall(message):
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = kv_unescape(value[1:-1])
        fields[key] = value
    return fields


def parse_time_us(text):
    """RFC 3339 / ISO 8601 (with Z or an offset) to epoch microseconds."""
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    d = datetime.datetime.fromisoformat(t)
    delta = d - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds


def read_expect(path):
    """An .expect file (tests/data/README.md): header and candidate sequences."""
    header = {}
    seqs = {}
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition("=")
            m = re.match(r"seq(\d+)\.(.*)$", key)
            if m:
                n, key = int(m.group(1)), m.group(2)
            elif key.startswith(("exec.", "connect.")) or key in ("alert_in", "delay_ms"):
                n = 1
            else:
                header[key] = value
                continue
            s = seqs.setdefault(n, {"exec.executable": []})
            if key == "exec.executable":
                s[key].append(value)
            else:
                s[key] = value
    return header, [seqs[n] for n in sorted(seqs)]


def read_claims(path):
    """The harness's claims file (scenarios.sh): header, wrappers, sequences."""
    header = {"wrapper": []}
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
            elif key == "wrapper":
                header[key].append(value)
            else:
                target[key] = value
    return header, seqs


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, ok, what, details=()):
        self.n += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, what))
        if not ok:
            self.failed += 1
            for d in details:
                print("#   %s" % d)

    def skip(self, what, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, what, why))

    def note(self, text):
        print("# %s" % text)


class Scenario:
    def __init__(self, name, state, capdir, start_us, end_us, note):
        self.name = name
        self.state = state
        self.capdir = capdir
        self.start_us = int(start_us or 0)
        self.end_us = int(end_us or 0)
        self.note = note
        self.pids = set()
        self.seqs = []
        self.expected_v3 = 0
        self.confirmed = False  # capture_check.py confirmed the claims
        self.alerts = []


def load_scenario(sc):
    header, claimed = read_claims(sc.capdir + "/claims")
    for w in header["wrapper"]:
        wpid, _, kids = w.partition(":")
        sc.pids.add(int(wpid))
        sc.pids.update(int(k) for k in kids.split(",") if k)
    sc.expected_v3 = int(header.get("alerts_v3", "0"))
    try:
        _, confirmed = read_expect(sc.capdir + "/expect")
        sc.seqs = confirmed
        sc.confirmed = True
    except OSError:
        sc.seqs = claimed


def read_syslog(path):
    lines = []
    with open(path, "rb") as f:
        for raw in f.read().decode("utf-8", "surrogateescape").split("\n"):
            if not raw:
                continue
            parts = raw.split("\t", 3)
            if len(parts) != 4:
                lines.append({"bad": raw})
                continue
            received, prio, tag, message = parts
            lines.append({"received": received, "prio": prio, "tag": tag, "message": message.strip()})
    return lines


def alert_pids(a):
    out = set()
    for key in ("process.pid", "process.parent.pid", "audit.connect.pid", "audit.exec.pid"):
        v = a.get(key, "")
        if v.isdigit():
            out.add(int(v))
    return out


def compare(seq, alert, confirmed):
    """Mismatches between an expected sequence and the alert it got."""
    # process.executable is the canonical path (a script's own path); the
    # path as handed to execve, when relative, is a second value, listed with
    # the first in process.executable_paths (only then). A script's
    # interpreter (its exe=) is in audisp_imds.process.interpreter, absent
    # for a binary. Claims (when auditd's log could not confirm them) say
    # the same through exec.script and exec.kernel_exe.
    interpreter = seq.get("exec.interpreter")
    if interpreter is None and seq.get("exec.script"):
        interpreter = seq.get("exec.kernel_exe")
    want = [
        ("process.pid", seq["exec.pid"]),
        ("process.executable", seq["exec.executable"][0]),
        ("process.executable_paths", ",".join(seq["exec.executable"]) if len(seq["exec.executable"]) > 1 else None),
        ("process.name", seq.get("exec.name", seq["exec.executable"][0].rsplit("/", 1)[-1])),
        ("audisp_imds.process.interpreter", interpreter),
        ("process.parent.pid", seq["exec.parent.pid"]),
        ("process.parent.executable", seq["exec.parent.executable"]),
        ("process.working_directory", seq["exec.working_directory"]),
        ("process.command_line", seq["exec.command_line"]),
        ("destination.ip", seq["connect.destination.ip"]),
        ("destination.port", seq["connect.destination.port"]),
        ("audit.connect.pid", seq["connect.pid"]),
    ]
    if confirmed:
        want.append(("audit.exec.serial", seq["exec.serial"]))
        want.append(("audit.connect.serial", seq["connect.serial"]))
    return ["%s=%r, expected %r" % (k, alert.get(k), v) for k, v in want if alert.get(k) != v]


def main(argv):
    if len(argv) not in (3, 4):
        sys.stderr.write(__doc__)
        return 2
    manifest, syslog_path = argv[1:3]
    tap = Tap()
    if len(argv) == 4:
        with open(argv[3]) as f:
            for raw in f:
                state, _, rest = raw.rstrip("\n").partition("\t")
                desc, _, detail = rest.partition("\t")
                tap.check(state == "ok", desc, [detail])
    scenarios = []
    with open(manifest) as f:
        for raw in f:
            parts = raw.rstrip("\n").split("\t")
            parts += [""] * (6 - len(parts))
            if not (parts[3].isdigit() or parts[3] == "") or not (parts[4].isdigit() or parts[4] == ""):
                # A shell's `IFS=<TAB> read` collapses empty fields: a
                # skipped scenario's note can arrive as its start time.
                note = " ".join(x for x in parts[3:] if x)
                parts = parts[:3] + ["", "", note]
            scenarios.append(Scenario(*parts[:6]))
    for sc in scenarios:
        if sc.state == "run":
            load_scenario(sc)

    lines = read_syslog(syslog_path)
    alerts = []
    diagnostics = []
    malformed = []
    for ln in lines:
        if "bad" in ln:
            malformed.append(ln["bad"])
            continue
        fields = parse_kv(ln["message"])
        if fields.get("event.kind") == "alert":
            fields["_received"] = ln["received"]
            fields["_prio"] = ln["prio"]
            fields["_tag"] = ln["tag"]
            fields["_line"] = ln["message"]
            alerts.append(fields)
        else:
            diagnostics.append(ln)

    # Attribute each alert to the scenario that owns its pids.
    unattributed = []
    for a in alerts:
        pids = alert_pids(a)
        owners = [sc for sc in scenarios if sc.state == "run" and sc.pids & pids]
        if len(owners) > 1:
            try:
                t = parse_time_us(a.get("audit.exec.timestamp", ""))
                owners = [sc for sc in owners if sc.start_us <= t <= sc.end_us] or owners[:1]
            except ValueError:
                owners = owners[:1]
        if owners:
            owners[0].alerts.append(a)
        else:
            unattributed.append(a)

    for sc in scenarios:
        if sc.state == "skip":
            tap.skip("%s: not run" % sc.name, sc.note)
            continue
        if sc.state != "run":
            tap.check(False, "%s: scenario set up" % sc.name, [sc.note])
            continue
        tap.check(sc.confirmed, "%s: ran as planned (auditd's own log confirms pids, paths, timing%s)"
                  % (sc.name, ": " + sc.note if sc.confirmed and sc.note else ""),
                  [sc.note] if not sc.confirmed else [])
        want = [s for s in sc.seqs if "v3" in s.get("alert_in", "").split(",")]
        if len(want) != sc.expected_v3:
            tap.check(False, "%s: expectations consistent" % sc.name,
                      ["alerts_v3=%d but %d sequences alert in v3" % (sc.expected_v3, len(want))])
        got = sc.alerts
        what = "no alert" if sc.expected_v3 == 0 else "%d alert(s)" % sc.expected_v3
        tap.check(len(got) == sc.expected_v3, "%s: %s (got %d)" % (sc.name, what, len(got)),
                  [a["_line"][:400] for a in got] if len(got) != sc.expected_v3 else [])
        unused = list(got)
        for n, seq in enumerate(want, 1):
            # Pair by the exec's pid and, when auditd's log confirmed it, its
            # serial (a process that execs twice raises two alerts).
            cands = [a for a in unused if a.get("process.pid") == seq["exec.pid"]]
            if sc.confirmed:
                exact = [a for a in cands if a.get("audit.exec.serial") == seq.get("exec.serial")]
                cands = exact or cands
            label = "%s: alert %d (exec pid %s %s, parent %s %s)" % (
                sc.name, n, seq["exec.pid"], seq["exec.executable"][0], seq["exec.parent.pid"],
                seq["exec.parent.executable"])
            if not cands:
                tap.check(False, label, ["no alert with process.pid=%s" % seq["exec.pid"]])
                continue
            alert = cands[0]
            unused.remove(alert)
            bad = compare(seq, alert, sc.confirmed)
            if alert.get("_prio") != "auth.warning":
                bad.append("syslog priority %s, expected auth.warning" % alert.get("_prio"))
            tap.check(not bad, label, bad)

    tap.check(not unattributed, "no alert outside the scenarios (%d)" % len(unattributed),
              [a["_line"][:400] for a in unattributed])
    tap.check(not malformed, "every syslog line well-formed", malformed[:5])

    errors = [d for d in diagnostics if d["prio"].split(".")[-1] in ("emerg", "alert", "crit", "err")]
    tap.check(not errors, "the plugin logged no error", ["%s %s" % (d["prio"], d["message"]) for d in errors])
    started = [d for d in diagnostics if d["message"].startswith("started:")]
    tap.check(len(started) == 1, "the plugin started once under auditd (%d start message(s))" % len(started),
              [d["message"] for d in started])
    stopped = [d for d in diagnostics if d["message"].startswith("stopped:")]
    status = parse_kv(stopped[-1]["message"].replace("stopped: status", "", 1)) if stopped else {}
    ok_status = bool(stopped) and status.get("alerts") == str(len(alerts)) and \
        status.get("alerts_sent") == str(len(alerts)) and status.get("alerts_dropped") == "0" and \
        status.get("alerts_queued") == "0" and status.get("parse_errors") == "0"
    tap.check(ok_status, "the plugin stopped cleanly; its status matches the %d alert line(s)" % len(alerts),
              [stopped[-1]["message"] if stopped else "no 'stopped:' status message"])
    for d in diagnostics:
        tap.note("plugin %s: %s" % (d["prio"], d["message"]))

    delays = []
    for a in alerts:
        try:
            delays.append((parse_time_us(a["_received"]) - parse_time_us(a["audit.connect.timestamp"])) / 1000.0)
        except (KeyError, ValueError):
            pass
    print("1..%d" % tap.n)
    if delays:
        # The audit time has millisecond resolution (truncated), so a delay
        # may read up to 1 ms long, never short.
        tap.note("delay from connect (audit time in the alert) to rsyslog receiving the alert: "
                 "median %.1f ms, max %.1f ms, min %.1f ms over %d alerts"
                 % (statistics.median(delays), max(delays), min(delays), len(delays)))
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

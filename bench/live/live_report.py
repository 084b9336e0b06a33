#!/usr/bin/env python3
"""Helpers of bench/live/bench_live.sh (`make bench-live`).

  live_report.py alerts --probes P --alerts A   audisp-imds alerts matched to the probes
  live_report.py laurel --probes P --log L      probes whose IMDS connect is in Laurel's log
  live_report.py report --results R [--smoke] [--markdown F]
                                                the table; with --smoke, exit 1 on a
                                                plugin-queue overflow or a lost probe

P: one line per probe, "curl_pid exit_status time" (bench_live.sh). R: one line
per run of space-separated key=value (bench_live.sh's run_one).
"""

import argparse
import json
import re
import sys

IMDS_IP = "169.254.169.254"
LEVELS = {
    "moderate": "1 000 exec/s + 5 000 connect/s",
    "connect8k": "8 000 connect/s",
    "storm": "connect storm (generator's max)",
}
CONFIGS = {
    "off": "no auditing",
    "auditd": "auditd, no plugin",
    "imds": "auditd + audisp-imds",
    "laurel": "auditd + Laurel",
}


def read_probes(path):
    probes = []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    probes.append((int(parts[0]), int(parts[1])))
    except FileNotFoundError:
        pass
    return probes


def cmd_alerts(args):
    probes = read_probes(args.probes)
    pids = {p for p, _ in probes}
    total = imds = 0
    alerted = set()
    try:
        with open(args.alerts, errors="replace") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                total += 1
                try:
                    a = json.loads(line)
                except ValueError:
                    continue
                if (a.get("destination") or {}).get("ip") != IMDS_IP:
                    continue
                imds += 1
                pid = (a.get("process") or {}).get("pid")
                if pid in pids:
                    alerted.add(pid)
    except FileNotFoundError:
        pass
    print(f"probes={len(probes)} probes_curl_failed={sum(1 for _, rc in probes if rc != 0)} "
          f"alerts_total={total} alerts_imds={imds} probes_alerted={len(alerted)}")


def cmd_laurel(args):
    probes = read_probes(args.probes)
    pids = {p for p, _ in probes}
    seen = set()
    marker = re.compile(r"169\.254\.169\.254|A9FEA9FE", re.IGNORECASE)
    pid_re = re.compile(r'"pid":(\d+)')
    try:
        with open(args.log, errors="replace") as f:
            for line in f:
                if "SOCKADDR" in line and marker.search(line):
                    seen.update(int(p) for p in pid_re.findall(line) if int(p) in pids)
    except FileNotFoundError:
        pass
    print(f"probes={len(probes)} probes_curl_failed={sum(1 for _, rc in probes if rc != 0)} "
          f"laurel_probes_seen={len(seen)}")


def read_results(path):
    runs = []
    with open(path) as f:
        for line in f:
            kv = {}
            for tok in line.split():
                if "=" in tok:
                    k, v = tok.split("=", 1)
                    kv[k] = v
            if kv:
                runs.append(kv)
    return runs


def num(run, key, default=None):
    try:
        return float(run[key])
    except (KeyError, ValueError):
        return default


def us_per_event(run, ticks_key):
    ticks, hz, events = num(run, ticks_key), num(run, "hz"), num(run, "events")
    if ticks is None or not hz or not events:
        return None
    return ticks / hz * 1e6 / events


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}".replace(",", " ")


def wakeups_cell(run):
    """Voluntary context switches per event: how often auditd's threads and
    the plugin went to sleep and had to be woken."""
    events = num(run, "events")
    if not events:
        return "?"
    a, p = num(run, "auditd_wakeups"), num(run, "plugin_wakeups")
    cell = fmt(a / events, 2) if a is not None else "?"
    if run.get("config") in ("imds", "laurel"):
        cell += ", " + (fmt(p / events, 2) if p is not None else "?")
    return cell


def backlog_wait_cell(run):
    """Time audited processes spent waiting for room in the kernel's audit
    backlog (backlog_wait_time_actual, jiffies), summed over processes."""
    jiffies, hz = num(run, "backlog_wait_actual"), num(run, "kernel_hz")
    if jiffies is None:
        return "?"
    return fmt(jiffies / hz, 1) if hz else f"{int(jiffies)} jiffies"


def probes_cell(run):
    probes = int(num(run, "probes", 0))
    if run.get("config") == "imds":
        return f"{int(num(run, 'probes_alerted', 0))}/{probes}"
    if run.get("config") == "laurel":
        return f"({int(num(run, 'laurel_probes_seen', 0))}/{probes} logged)"
    return "–"


def table(runs):
    head = ("| load | configuration | events/s | auditd µs/event | plugin µs/event | kauditd µs/event "
            "| wakeups/event auditd, plugin "
            "| plugin queue peak / size | overflow | kernel lost | backlog waits s | alerts / probes "
            "| connect() p50 / p99 / p99.9 µs | achieved exec/s + connect/s |")
    lines = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r in runs:
        cfg = r.get("config")
        audited = cfg != "off"
        dur = num(r, "gen_duration_s") or num(r, "duration")
        events = num(r, "events")
        cells = [
            LEVELS.get(r.get("level"), r.get("level")),
            CONFIGS.get(cfg, cfg),
            fmt(events / dur if audited and events and dur else None),
            fmt(us_per_event(r, "auditd_ticks"), 1) if audited else "–",
            fmt(us_per_event(r, "plugin_ticks"), 1) if cfg in ("imds", "laurel") else "–",
            fmt(us_per_event(r, "kauditd_ticks"), 1) if audited else "–",
            wakeups_cell(r) if audited else "–",
            f"{r.get('queue_peak', '?')} / {r.get('queue_size', '?')}" if audited else "–",
            r.get("queue_overflow", "?") if audited else "–",
            r.get("kernel_lost", "?") if audited else "–",
            backlog_wait_cell(r) if audited else "–",
            probes_cell(r),
            f"{fmt(num(r, 'gen_connect_p50_us'))} / {fmt(num(r, 'gen_connect_p99_us'))} / "
            f"{fmt(num(r, 'gen_connect_p999_us'))}",
            f"{fmt(num(r, 'gen_exec_rate'))} + {fmt(num(r, 'gen_connect_rate'))}",
        ]
        if cfg in ("imds", "laurel") and r.get("plugin_alive") == "no":
            cells[4] += " (plugin died)"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(runs):
    by = {(r.get("level"), r.get("config")): r for r in runs}
    levels = [lv for lv in LEVELS if any(k[0] == lv for k in by)]
    out = []
    ratios = []
    for lv in levels:
        imds, laurel = by.get((lv, "imds")), by.get((lv, "laurel"))
        if imds and laurel:
            a, b = us_per_event(imds, "plugin_ticks"), us_per_event(laurel, "plugin_ticks")
            if a and b:
                ratios.append(f"{LEVELS[lv]}: {b / a:.2f}×")
    if ratios:
        out.append("- plugin CPU per event, Laurel ÷ audisp-imds (target ≥ 2 at every level): " + "; ".join(ratios))
    base = by.get(("moderate", "imds"))
    if base and us_per_event(base, "plugin_ticks"):
        b = us_per_event(base, "plugin_ticks")
        flat = [f"{LEVELS[lv]}: {us_per_event(by[(lv, 'imds')], 'plugin_ticks') / b:.2f}×"
                for lv in levels if lv != "moderate" and (lv, "imds") in by
                and us_per_event(by[(lv, "imds")], "plugin_ticks")]
        if flat:
            out.append("- audisp-imds CPU per event relative to the moderate load (target 0.7–1.3): " + "; ".join(flat))
    sustained = []
    for lv in levels:
        alone, imds = by.get((lv, "auditd")), by.get((lv, "imds"))
        if alone and imds:
            ok_alone = alone.get("kernel_lost") == "0"
            sustained.append(f"{LEVELS[lv]}: auditd alone {'kept up (lost 0)' if ok_alone else 'lost ' + alone.get('kernel_lost', '?')}, "
                             f"with audisp-imds overflow {imds.get('queue_overflow', '?')}")
    if sustained:
        out.append("- plugin-queue overflow where auditd alone keeps up (target: none): " + "; ".join(sustained))
    alerts = [f"{LEVELS.get(r['level'], r['level'])}: {probes_cell(r)}" for r in runs if r.get("config") == "imds"]
    if alerts:
        out.append("- alerts ÷ probes (target 100%): " + "; ".join(alerts))
    return "\n".join(out)


def smoke_failures(runs):
    bad = []
    imds_runs = [r for r in runs if r.get("config") == "imds"]
    if not imds_runs:
        bad.append("no audisp-imds run")
    for r in imds_runs:
        name = f"{r.get('level')}/imds"
        if r.get("queue_overflow") != "no":
            bad.append(f"{name}: auditd's plugin queue overflowed (peak {r.get('queue_peak')} of {r.get('queue_size')}): "
                       "auditd dropped records for the plugin")
        probes, alerted = int(num(r, "probes", 0)), int(num(r, "probes_alerted", 0))
        if probes == 0:
            bad.append(f"{name}: no probe ran")
        elif alerted != probes:
            bad.append(f"{name}: {probes - alerted} of {probes} IMDS probes without an alert")
        if r.get("plugin_alive") != "yes":
            bad.append(f"{name}: audisp-imds exited during the run")
        if not num(r, "events"):
            bad.append(f"{name}: auditd logged no events")
    return bad


def cmd_report(args):
    runs = read_results(args.results)
    if not runs:
        print("bench_live: no runs", file=sys.stderr)
        return 1
    commit = runs[0].get("commit", "?")
    dur = runs[0].get("duration", "?")
    text = (f"audisp-imds tree {commit}; {dur} s per run, one IMDS probe a second; CPU µs per event = "
            f"utime+stime ÷ events auditd logged (load + drain)\n\n{table(runs)}\n")
    t = targets(runs)
    if t:
        text += f"\n{t}\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.smoke:
        bad = smoke_failures(runs)
        for b in bad:
            print(f"bench-live-smoke: FAIL: {b}")
        if bad:
            return 1
        print("bench-live-smoke: OK: no plugin-queue overflow, every probe alerted")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("alerts")
    a.add_argument("--probes", required=True)
    a.add_argument("--alerts", required=True)
    b = sub.add_parser("laurel")
    b.add_argument("--probes", required=True)
    b.add_argument("--log", required=True)
    c = sub.add_parser("report")
    c.add_argument("--results", required=True)
    c.add_argument("--smoke", action="store_true")
    c.add_argument("--markdown")
    args = ap.parse_args()
    if args.cmd == "alerts":
        cmd_alerts(args)
        return 0
    if args.cmd == "laurel":
        cmd_laurel(args)
        return 0
    return cmd_report(args)


if __name__ == "__main__":
    sys.exit(main())

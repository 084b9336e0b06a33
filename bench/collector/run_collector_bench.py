#!/usr/bin/env python3
"""The collector benchmark: audisp-imds as the plugin of a central auditd
that receives many hosts' audit streams (node=NAME on every record).

    make bench-collector                      # 50 and 500 nodes, 400k events each
    python3 bench/collector/run_collector_bench.py --builddir BUILD [--nodes 50,500]
        [--events N] [--parents P] [--runs R] [--per-node 64,128,...] [--json FILE] [--keep]

For each node count, fleet_gen.py writes one interleaved stream (equal pids and
serials on every node; long-lived parents that are often idle; curl ->
169.254.169.254 from a uniformly chosen parent at --imds-rate). audisp-imds
reads it on stdin exactly as under auditd (live mode: the process table is
seeded from this machine's /proc, which no node= event ever consults), alerts
to stdout, no alert rate limit. Measured by bench/bench_run (wait4 of the
plugin alone): wall and CPU seconds, peak RSS; the plugin's own status line
gives the process-table size and evictions at the end.

Runs per node count:
  ample     process_table large enough to never evict: throughput (median of
            --runs), and the alert count must equal the generator's;
  default   process_table = 32768 (the shipped default);
  per node  process_table = nodes x K for each K of --per-node: how many
            alerts are lost when the table forgets idle parents.
Derived: bytes per process-table entry, RSS per node, and how long a table of
a given size remembers an idle parent (entries / exec events per second).

Speed is reported, never asserted; the exit status is non-zero only when the
ample run's alert count is wrong or the plugin fails.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

MIB = 1024 * 1024
HERE = os.path.dirname(os.path.abspath(__file__))
AMPLE = 16777216          # the configuration's maximum
DEFAULT_TABLE = 32768


def kv(text):
    return dict(line.split("=", 1) for line in text.split() if "=" in line)


def run_plugin(bench_run, imds, conf, load, work, tag):
    out, err, res = (os.path.join(work, f"{tag}.{x}") for x in ("out", "err", "res"))
    with open(load, "rb") as fin, open(out, "wb") as fout, open(err, "wb") as ferr:
        subprocess.run([bench_run, res, imds, "--config", conf, "--input", "-"], stdin=fin, stdout=fout,
                       stderr=ferr, check=False)
    m = kv(open(res).read())
    status = {}
    for line in open(err, errors="replace"):
        if "stopped: status" in line:
            status = kv(line.split("stopped: status", 1)[1])
    alerts = sum(1 for _ in open(out, "rb"))
    hosts_ok = all(b'"host":{"id":"host-' in line for line in open(out, "rb"))
    return dict(wall_s=float(m["wall_s"]), cpu_s=float(m["cpu_s"]), rss_kib=int(m["maxrss_kib"]),
                exit=int(m["status"]), alerts=alerts, alerts_name_their_node=hosts_ok,
                entries=int(status.get("process_table", -1)), evictions=int(status.get("process_evictions", -1)),
                pending=int(status.get("pending_sequences", -1)))


def write_conf(path, capacity):
    with open(path, "w") as f:
        f.write('[output]\nmode = "stdout"\n[limits]\nalerts_per_window = 0\n'
                f'process_table = {capacity}\n[host]\nid = "collector"\nname = "collector"\n')
    os.chmod(path, 0o600)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--builddir", default=".")
    ap.add_argument("--nodes", default="50,500")
    ap.add_argument("--events", type=int, default=400000)
    ap.add_argument("--parents", type=int, default=64)
    ap.add_argument("--rate-per-node", type=float, default=100.0)
    ap.add_argument("--imds-rate", type=float, default=0.0005)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--per-node", default="64,128,256,512,1024")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (streams, outputs)")
    a = ap.parse_args()

    imds = os.path.join(a.builddir, "src", "audisp-imds")
    bench_run = os.path.join(a.builddir, "bench", "bench_run")
    for p in (imds, bench_run):
        if not os.access(p, os.X_OK):
            sys.exit(f"{p} not built (make src/audisp-imds bench/bench_run)")
    work = tempfile.mkdtemp(prefix="imds-bench-collector.")
    results = dict(params=vars(a).copy(), nodes={})
    failures = []
    say = print
    try:
        for n in [int(x) for x in a.nodes.split(",")]:
            load = os.path.join(work, f"fleet-{n}.log")
            summary_path = os.path.join(work, f"fleet-{n}.summary")
            subprocess.run([sys.executable, os.path.join(HERE, "fleet_gen.py"), "--nodes", str(n),
                            "--events", str(a.events), "--parents", str(a.parents),
                            "--rate-per-node", str(a.rate_per_node), "--imds-rate", str(a.imds_rate),
                            "--seed", str(a.seed), "--summary", summary_path],
                           stdout=open(load, "wb"), check=True)
            summary = kv(open(summary_path).read())
            events, expected = int(summary["events"]), int(summary["alerts_expected"])
            audit_s = float(summary["audit_seconds"])
            execs_per_s = int(summary["exec"]) / audit_s
            say(f"\n{n} nodes: {events:,} events ({int(summary['bytes']) / MIB:.0f} MiB, "
                f"{int(summary['records']):,} records), {n} x {a.parents} long-lived parents, "
                f"{audit_s:.1f} s of audit time ({events / audit_s:,.0f} events/s, {execs_per_s:,.0f} execs/s "
                f"across the fleet), {expected} curl -> IMDS pairs")
            rows = []
            conf = os.path.join(work, "imds.toml")
            write_conf(conf, AMPLE)
            ample = [run_plugin(bench_run, imds, conf, load, work, f"{n}-ample-{r}") for r in range(a.runs)]
            for m in ample:
                if m["exit"] != 0:
                    failures.append(f"{n} nodes: audisp-imds exited {m['exit']}")
                if m["alerts"] != expected or not m["alerts_name_their_node"]:
                    failures.append(f"{n} nodes, ample table: {m['alerts']} alerts, expected {expected}")
            med = dict(ample[0])
            for key in ("wall_s", "cpu_s", "rss_kib"):
                med[key] = statistics.median(m[key] for m in ample)
            rows.append(("ample", AMPLE, med))
            write_conf(conf, DEFAULT_TABLE)
            rows.append(("default", DEFAULT_TABLE, run_plugin(bench_run, imds, conf, load, work, f"{n}-default")))
            for k in [int(x) for x in a.per_node.split(",") if x]:
                cap = max(64, min(AMPLE, n * k))
                write_conf(conf, cap)
                rows.append((f"{k}/node", cap, run_plugin(bench_run, imds, conf, load, work, f"{n}-{k}")))

            say(f"  {'table':>10} {'capacity':>9} {'entries':>8} {'evicted':>8} {'alerts':>9} {'wall s':>7} "
                f"{'events/s':>9} {'MiB/s':>6} {'cpu s':>6} {'RSS MiB':>8} {'remembers':>10}")
            node_rows = []
            for name, cap, m in rows:
                remembers = cap / execs_per_s
                say(f"  {name:>10} {cap:>9,} {m['entries']:>8,} {m['evictions']:>8,} {m['alerts']:>4}/{expected:<4} "
                    f"{m['wall_s']:>7.2f} {events / m['wall_s']:>9,.0f} "
                    f"{int(summary['bytes']) / MIB / m['wall_s']:>6.0f} {m['cpu_s']:>6.2f} "
                    f"{m['rss_kib'] / 1024:>8.1f} {remembers:>9.1f}s")
                node_rows.append(dict(table=name, capacity=cap, remembers_idle_parent_s=round(remembers, 2),
                                      events_per_s=round(events / m["wall_s"]), **m))
            # Bytes per table entry: ample (every exec kept) against the smallest table.
            small = min((r for r in rows if r[2]["entries"] > 0), key=lambda r: r[2]["entries"])[2]
            big = rows[0][2]
            per_entry = None
            if big["entries"] > small["entries"]:
                per_entry = (big["rss_kib"] - small["rss_kib"]) * 1024 / (big["entries"] - small["entries"])
                say(f"  ~{per_entry:.0f} bytes of RSS per process-table entry "
                    f"({big['entries']:,} vs {small['entries']:,} entries)")
            results["nodes"][n] = dict(load=summary, runs=node_rows, bytes_per_entry=per_entry,
                                       execs_per_audit_s=round(execs_per_s, 1))

        counts = sorted(results["nodes"])
        if len(counts) >= 2:
            lo, hi = counts[0], counts[-1]
            say("")
            for k in [int(x) for x in a.per_node.split(",") if x]:
                r_lo = next((r for r in results["nodes"][lo]["runs"] if r["table"] == f"{k}/node"), None)
                r_hi = next((r for r in results["nodes"][hi]["runs"] if r["table"] == f"{k}/node"), None)
                if r_lo and r_hi:
                    per_node = (r_hi["rss_kib"] - r_lo["rss_kib"]) / (hi - lo)
                    say(f"  table {k}/node: RSS {r_lo['rss_kib'] / 1024:.1f} MiB at {lo} nodes, "
                        f"{r_hi['rss_kib'] / 1024:.1f} MiB at {hi}: {per_node:.0f} KiB per node; alerts "
                        f"{r_lo['alerts']}/{results['nodes'][lo]['load']['alerts_expected']} and "
                        f"{r_hi['alerts']}/{results['nodes'][hi]['load']['alerts_expected']}")
                    results.setdefault("per_node_kib", {})[k] = round(per_node, 1)
        if failures:
            say("\nFAILED: " + "; ".join(failures))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        if a.keep:
            say(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""fleet_gen: the audit stream a collector's plugins get from many hosts.

A central auditd (local_events = no) fed by audisp-remote hands its plugins
the records of every sender, each prefixed node=NAME, interleaved as they
arrive. This writes such a stream, deterministic for a seed:

  fleet_gen.py --nodes N [--events E] [--parents P] ... > fleet.log

Per node (host-0000 .. host-N-1, all on one audit clock, as with NTP):
  * first, the exec of P long-lived parents (shells, cron, services); their
    own parents are never seen, so they can never be a suspicious exec;
  * then events of a random node each: 30% exec (a child of one of its
    parents, sometimes of a recent child), 30% connect (AF_INET 95%,
    AF_INET6 5%, never a metadata address), 40% openat. Record shapes are
    those of tests/data (ENRICHED: \\x1d and translated fields; --raw without);
  * every node allocates pids from the same start upward with small gaps,
    and numbers its own serials from the same start: equal pids, parent
    pids and serials collide across nodes all the time, as on a fleet of
    identical VMs;
  * with probability --imds-rate per event, a node's parent chosen UNIFORMLY
    among its P (often one idle for a long time: "cold") runs
    `curl http://169.254.169.254/...`, which connects to 169.254.169.254:80
    1-20 ms later. With a process table large enough to still know that
    parent, that is exactly one alert of the default rule; the count is
    written to --summary (alerts_expected=). Alerts missing at a smaller
    table size are parents the table forgot.

Suspicious-looking children (python3.11, perl, node, gawk) start sequences
that nothing completes, as on real hosts. Nothing here touches a network.
"""
import argparse
import random
import sys

ENRICHED = True
GS = "\x1d"

PROGRAMS = [
    ("/usr/bin/ls", "ls"), ("/usr/bin/grep", "grep"), ("/usr/bin/sed", "sed"), ("/usr/bin/cat", "cat"),
    ("/usr/bin/git", "git"), ("/usr/bin/make", "make"), ("/usr/bin/gcc-12", "gcc-12"), ("/usr/bin/ssh", "ssh"),
    ("/usr/bin/find", "find"), ("/usr/bin/sort", "sort"), ("/usr/bin/tar", "tar"), ("/usr/bin/gzip", "gzip"),
    ("/usr/bin/systemctl", "systemctl"), ("/usr/bin/ps", "ps"), ("/usr/bin/id", "id"), ("/usr/bin/date", "date"),
    ("/usr/bin/python3.11", "python3"), ("/usr/bin/perl", "perl"), ("/usr/bin/node", "node"),
    ("/usr/bin/gawk", "awk"), ("/usr/bin/rsync", "rsync"), ("/usr/sbin/logrotate", "logrotate"),
]
PARENTS = [
    ("/usr/bin/bash", "bash", 1000, "alice"), ("/usr/sbin/cron", "cron", 0, "root"),
    ("/usr/sbin/nginx", "nginx", 33, "www-data"), ("/usr/bin/dockerd", "dockerd", 0, "root"),
    ("/usr/lib/systemd/systemd", "systemd", 0, "root"), ("/usr/bin/bash", "bash", 0, "root"),
    ("/usr/sbin/sshd", "sshd", 0, "root"), ("/usr/bin/python3.11", "python3", 1001, "bob"),
]
WORDS = ["-l", "-a", "-v", "-rf", "-n", "--color=auto", "-c", "-o", "-O2", "--quiet", "-j2", "main.c",
         "/var/log/syslog", "HEAD", "origin", "build", "--since=2h", "README.md", "/etc/hosts", "x y"]
DIRS = ["/", "/root", "/home/alice", "/home/alice/src/app", "/tmp", "/var/log", "/srv/www", "/etc"]
OPEN_PATHS = ["/etc/ld.so.cache", "/lib/x86_64-linux-gnu/libc.so.6", "/etc/passwd", "/etc/nsswitch.conf",
              "/usr/lib/locale/locale-archive", "/proc/self/status", "/etc/hosts", "/etc/resolv.conf"]
PID_START, PID_MAX = 1000, 4194304


def hexs(s):
    return s.encode().hex().upper()


def arg(s):
    return f'"{s}"' if all(0x21 <= ord(c) < 0x7F and c != '"' for c in s) else hexs(s)


class Node:
    def __init__(self, name, rng):
        self.prefix = f"node={name} " if name else ""
        self.next_pid = PID_START
        self.serial = 1000
        self.parents = []   # (pid, ppid, exe, comm, uid, uname, ses)
        self.recent = []    # recent children, same tuple
        self.busy = set()   # parents with a curl -> IMDS in flight
        self.rng = rng

    def pid(self):
        p = self.next_pid
        self.next_pid += 1 + self.rng.randrange(4)
        if self.next_pid >= PID_MAX:
            self.next_pid = PID_START
        return p


class Gen:
    def __init__(self, a, out):
        self.a = a
        self.out = out
        self.rng = random.Random(a.seed)
        self.t_ms = a.start * 1000
        self.step_ms = 1000.0 / (a.rate_per_node * a.nodes)
        self.clock = float(self.t_ms)
        self.nodes = [Node(f"{a.prefix}{i:04d}", random.Random(a.seed * 1000003 + i)) for i in range(a.nodes)]
        self.pending = []   # (due_ms, node index, proc, exec serial)
        self.counts = dict(events=0, records=0, exec=0, connect=0, other=0, targets=0, bytes=0)

    def write(self, node, serial, records):
        stamp = f"msg=audit({self.t_ms // 1000}.{self.t_ms % 1000:03d}:{serial}): "
        lines = "".join(f"{node.prefix}type={t} {stamp}{body}\n" for t, body in records)
        self.out.write(lines)
        self.counts["records"] += len(records)
        self.counts["bytes"] += len(lines)
        self.counts["events"] += 1

    def syscall(self, proc, nr, name, success, exit_code, items, key):
        pid, ppid, exe, comm, uid, uname, ses = proc
        body = (f"arch=c000003e syscall={nr} success={success} exit={exit_code} a0=3 a1=7ffd6e1c2a40 a2=10 a3=0 "
                f"items={items} ppid={ppid} pid={pid} auid={uid} uid={uid} gid={uid} euid={uid} suid={uid} "
                f"fsuid={uid} egid={uid} sgid={uid} fsgid={uid} tty=pts0 ses={ses} comm=\"{comm}\" exe=\"{exe}\" "
                f"key=\"{key}\"")
        if ENRICHED:
            body += (f"{GS}ARCH=x86_64 SYSCALL={name} AUID=\"{uname}\" UID=\"{uname}\" GID=\"{uname}\" "
                     f"EUID=\"{uname}\" SUID=\"{uname}\" FSUID=\"{uname}\" EGID=\"{uname}\" SGID=\"{uname}\" "
                     f"FSGID=\"{uname}\"")
        return ("SYSCALL", body)

    def path(self, item, name):
        body = (f"item={item} name=\"{name}\" inode=4927125 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 "
                "nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0")
        if ENRICHED:
            body += f'{GS}OUID="root" OGID="root"'
        return ("PATH", body)

    def exec_event(self, node, proc, argv, cwd):
        node.serial += 1
        title = hexs("\0".join(argv)[:128])
        self.write(node, node.serial, [
            self.syscall(proc, 59, "execve", "yes", 0, 2, "imds_exec"),
            ("EXECVE", f"argc={len(argv)} " + " ".join(f"a{i}={arg(v)}" for i, v in enumerate(argv))),
            ("CWD", f'cwd="{cwd}"'),
            self.path(0, proc[2]),
            self.path(1, "/lib64/ld-linux-x86-64.so.2"),
            ("PROCTITLE", f"proctitle={title}"),
            ("EOE", ""),
        ])
        self.counts["exec"] += 1
        return node.serial

    def connect_event(self, node, proc, saddr, fam_text):
        node.serial += 1
        sa = f"saddr={saddr}" + (f"{GS}SADDR={{ {fam_text} }}" if ENRICHED else "")
        self.write(node, node.serial, [
            self.syscall(proc, 42, "connect", "no", -115, 0, "imds_connect"),
            ("SOCKADDR", sa),
            ("PROCTITLE", f"proctitle={hexs(proc[3])}"),
            ("EOE", ""),
        ])
        self.counts["connect"] += 1
        return node.serial

    def tick(self):
        self.clock += self.step_ms
        self.t_ms = int(self.clock)
        while self.pending and self.pending[0][0] <= self.t_ms:
            _, n, proc, exec_serial = self.pending.pop(0)
            node = self.nodes[n]
            serial = self.connect_event(node, proc, "02000050A9FEA9FE0000000000000000",
                                        "saddr_fam=inet laddr=169.254.169.254 lport=80")
            node.busy.discard(proc[1])
            if self.a.targets:
                self.a.targets.write(f"{node.prefix[5:-1]} {exec_serial} {serial} {proc[0]} {proc[1]}\n")

    def run(self):
        a, rng = self.a, self.rng
        # The long-lived parents of every node, in node order.
        for node in self.nodes:
            for k in range(a.parents):
                exe, comm, uid, uname = PARENTS[k % len(PARENTS)]
                proc = (node.pid(), 1, exe, comm, uid, uname, 1 + k)
                node.parents.append(proc)
                self.exec_event(node, proc, [comm], "/")
                self.tick()
        while self.counts["events"] < a.events:
            ni = rng.randrange(len(self.nodes))
            node = self.nodes[ni]
            r = rng.random()
            if r < a.imds_rate:
                parent = node.parents[rng.randrange(len(node.parents))]
                if parent[0] not in node.busy:
                    proc = (node.pid(), parent[0], "/usr/bin/curl", "curl", parent[4], parent[5], parent[6])
                    serial = self.exec_event(node, proc, ["curl", "-s", "-m", "5",
                                                          "http://169.254.169.254/latest/meta-data/"], "/")
                    node.busy.add(parent[0])
                    self.pending.append((self.t_ms + rng.randint(1, 20), ni, proc, serial))
                    self.pending.sort(key=lambda p: p[0])
                    self.counts["targets"] += 1
                    self.tick()
                    continue
            r = rng.random()
            if r < 0.30:
                if node.recent and rng.random() < 0.2:
                    parent = node.recent[rng.randrange(len(node.recent))]
                else:
                    parent = node.parents[rng.randrange(len(node.parents))]
                exe, comm = PROGRAMS[rng.randrange(len(PROGRAMS))]
                proc = (node.pid(), parent[0], exe, comm, parent[4], parent[5], parent[6])
                argv = [comm] + [WORDS[rng.randrange(len(WORDS))] for _ in range(rng.randrange(6))]
                self.exec_event(node, proc, argv, DIRS[rng.randrange(len(DIRS))])
                node.recent.append(proc)
                if len(node.recent) > 32:
                    node.recent.pop(0)
            elif r < 0.60:
                pool = node.recent if node.recent and rng.random() < 0.7 else node.parents
                proc = pool[rng.randrange(len(pool))]
                if rng.random() < 0.95:
                    ip = (10 << 24) | rng.randrange(1 << 24)
                    port = (443, 80, 5432, 53)[rng.randrange(4)]
                    self.connect_event(node, proc, f"0200{port:04X}{ip:08X}0000000000000000",
                                       f"saddr_fam=inet laddr={ip >> 24}.{ip >> 16 & 255}.{ip >> 8 & 255}."
                                       f"{ip & 255} lport={port}")
                else:
                    low = rng.randrange(1 << 16)
                    saddr = "0A0001BB" + "00000000" + "20010DB8" + "0" * 20 + f"{low:04X}" + "00000000"
                    self.connect_event(node, proc, saddr, f"saddr_fam=inet6 laddr=2001:db8::{low:x} lport=443")
            else:
                pool = node.recent if node.recent and rng.random() < 0.7 else node.parents
                proc = pool[rng.randrange(len(pool))]
                node.serial += 1
                self.write(node, node.serial, [
                    self.syscall(proc, 257, "openat", "yes", 3, 1, "(null)"),
                    ("CWD", f'cwd="{DIRS[rng.randrange(len(DIRS))]}"'),
                    ("PATH", f'item=0 name="{OPEN_PATHS[rng.randrange(len(OPEN_PATHS))]}" inode=131 dev=fe:00 '
                             "mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 "
                             "cap_fver=0 cap_frootid=0"),
                    ("PROCTITLE", f"proctitle={hexs(proc[3])}"),
                    ("EOE", ""),
                ])
                self.counts["other"] += 1
            self.tick()
        while self.pending:   # the last targets' connects
            self.clock = max(self.clock, self.pending[0][0] - self.step_ms)
            self.tick()


def main():
    global ENRICHED
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nodes", type=int, default=50)
    ap.add_argument("--events", type=int, default=400000, help="events after the parents' execs")
    ap.add_argument("--parents", type=int, default=64, help="long-lived parents per node")
    ap.add_argument("--rate-per-node", type=float, default=100.0, help="events per second of audit time per node")
    ap.add_argument("--imds-rate", type=float, default=0.0005)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=1795928576)
    ap.add_argument("--prefix", default="host-", help="node names: PREFIX0000...")
    ap.add_argument("--raw", action="store_true", help="log_format = RAW (no translated fields)")
    ap.add_argument("--summary", help="write key=value counts here ('-': stderr)")
    ap.add_argument("--targets", type=argparse.FileType("w"),
                    help="one line per curl -> IMDS pair: node exec_serial connect_serial pid ppid")
    a = ap.parse_args()
    ENRICHED = not a.raw
    a.events += a.nodes * a.parents
    out = sys.stdout
    g = Gen(a, out)
    g.run()
    out.flush()
    if a.summary:
        c = dict(g.counts, alerts_expected=g.counts["targets"], nodes=a.nodes, parents_per_node=a.parents,
                 seed=a.seed, audit_seconds=round((g.t_ms - a.start * 1000) / 1000, 3))
        text = "".join(f"{k}={v}\n" for k, v in c.items())
        if a.summary == "-":
            sys.stderr.write(text)
        else:
            with open(a.summary, "w") as f:
                f.write(text)


if __name__ == "__main__":
    main()

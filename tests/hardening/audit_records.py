#!/usr/bin/env python3
"""Audit record text shaped like the captures in tests/data, for hardening tests.

Records are built the way the kernel and auditd write them (see
tests/data/curl.log): SYSCALL execve + EXECVE + CWD + PATH + PROCTITLE + EOE
for an exec, SYSCALL connect + SOCKADDR + PROCTITLE + EOE for a connect,
ENRICHED (\\x1d then translated fields) or RAW. Untrusted strings follow the
kernel's audit_log_untrustedstring rule: quoted unless a byte is '"', below
0x21 or above 0x7e, then upper-case hex. EXECVE arguments longer than the
kernel's 7500-byte chunk are split as aN_len + aN[k], and the EXECVE
record is continued in further records, as audit_log_execve_info does.

Only text: nothing here opens a network connection.

Command line (used by the shell tests):
  audit_records.py scenario NAME [--time T] [--base-serial S] [--raw] [--no-eoe]
                   [--no-proctitle] [--repeat N] [--pid-base P] [--spacing S] [--node NAME]
  scenarios: imds (N exec+connect pairs, parent pid P+2i, child P+2i+1, S s
  apart), exec_only (the same without the connects), noise (N openat events),
  inject_PAYLOAD (one pair carrying a payload, see injected_fields)
  audit_records.py payloads      (the injection payload names, one a line)
  audit_records.py payload NAME  (the raw bytes of one argument payload)
"""

import sys
import time

MAX_EXECVE_CHUNK = 7500  # MAX_EXECVE_AUDIT_LEN in kernel/auditsc.c
ENRICH = "\x1d"

PAYLOADS = {
    # name: the bytes one argument (and the working directory) carries
    "newline": b"curl\nkey=forged type=SYSCALL msg=audit(1.2:3): x",
    "gs": b"a\x1dARCH=x86_64 SYSCALL=connect b",
    "quotes": b"say \"hi\" 'there' \\\" end\\",
    "kv": b'process.name="evil" rule.name=forged destination.ip=1.2.3.4',
    "invalid_utf8": b"\xff\xfe\xc0\xaf\xed\xa0\x80 bad \xe2\x28\xa1 end\x80",
    "controls": bytes(range(1, 32)) + b"\x7f" + "\u0085\u2028\u2029\u009b".encode(),
    "plain": b"-s",
    "utf8": "caf\u00e9 \u65e5\u672c \U0001f600".encode(),
    "json": b'"},"process":{"name":"forged"},"x":{"y":"',
    "percent": b"%s%n%x%d %%",
    "long": b"A" * (1 << 20) + b" 169.254.169.254 " + b"Z" * 4096,
    "long_hex": (b"x y\n" * 300000)[: 1 << 20],
}


def injected_fields(payload_name):
    """What scenario inject_NAME puts in the exec'd process (pid 30001, parent
    30000): the payload as one argument, in the executable's file name and in
    the working directory. "many_long" is 16 arguments of 128 KiB (the
    kernel's MAX_ARG_STRLEN), a 2 MiB command line."""
    if payload_name == "many_long":
        middle = [b"%02d" % i + b"B" * (131072 - 3) for i in range(16)]
        payload = b"many_long"
    else:
        payload = PAYLOADS[payload_name]
        middle = [payload]
    return {
        "exe": b"/tmp/" + payload[:200].replace(b"/", b"_"),
        "args": [b"curl"] + middle + [b"http://169.254.169.254/latest/meta-data/"],
        "cwd": b"/tmp/" + payload[:4000].replace(b"/", b"_"),
    }


def untrusted(value: bytes) -> str:
    """The kernel's rendering of an untrusted string: "quoted" or HEX."""
    if any(b == 0x22 or b < 0x21 or b > 0x7E for b in value):
        return value.hex().upper()
    return '"' + value.decode("ascii") + '"'


def stamp(t: float, serial: int) -> str:
    sec = int(t)
    ms = int(round((t - sec) * 1000))
    if ms >= 1000:
        sec, ms = sec + 1, ms - 1000
    return "msg=audit(%d.%03d:%d):" % (sec, ms, serial)


class Writer:
    def __init__(self, enriched=True, node=None, eoe=True, proctitle=True):
        self.enriched = enriched
        self.node = node
        self.eoe = eoe
        self.with_proctitle = proctitle
        self.out = []

    def rec(self, rtype, st, body, enrichment=""):
        line = ("node=%s " % self.node if self.node else "") + "type=%s %s %s" % (rtype, st, body)
        if self.enriched and enrichment:
            line += ENRICH + enrichment
        self.out.append(line.encode("latin-1") + b"\n")

    def end(self, st):
        if self.eoe:
            self.out.append((("node=%s " % self.node if self.node else "") + "type=EOE %s\n" % st).encode())

    def data(self) -> bytes:
        return b"".join(self.out)

    def _ids(self, syscall_name):
        return ('ARCH=x86_64 SYSCALL=%s AUID="root" UID="root" GID="root" EUID="root" SUID="root" '
                'FSUID="root" EGID="root" SGID="root" FSGID="root"' % syscall_name)

    def syscall(self, st, nr, name, success, exit_code, items, ppid, pid, comm, exe, key):
        body = ("arch=c000003e syscall=%d success=%s exit=%d a0=3 a1=7fffed24d2f0 a2=10 a3=0 items=%d "
                "ppid=%d pid=%d auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) "
                "ses=14 comm=%s exe=%s key=\"%s\"" % (nr, success, exit_code, items, ppid, pid,
                                                       untrusted(comm[:16]), untrusted(exe), key))
        self.rec("SYSCALL", st, body, self._ids(name))

    def execve_records(self, st, args):
        """EXECVE records as audit_log_execve_info writes them."""
        records = []
        cur = "argc=%d" % len(args)
        for i, arg in enumerate(args):
            whole = untrusted(arg)
            if len(whole) <= MAX_EXECVE_CHUNK:
                field = " a%d=%s" % (i, whole)
                if len(cur) + len(field) > MAX_EXECVE_CHUNK and cur:
                    records.append(cur)
                    cur = ""
                cur += field
                continue
            # Split: aN_len counts the logged characters of the whole argument.
            hexed = not whole.startswith('"')
            cur += " a%d_len=%d" % (i, len(whole) - (0 if hexed else 2))
            step = MAX_EXECVE_CHUNK // 2 if hexed else MAX_EXECVE_CHUNK
            for k, off in enumerate(range(0, len(arg), step)):
                part = arg[off:off + step]
                chunk = part.hex().upper() if hexed else '"' + part.decode("ascii") + '"'
                field = " a%d[%d]=%s" % (i, k, chunk)
                if len(cur) + len(field) > MAX_EXECVE_CHUNK and cur:
                    records.append(cur)
                    cur = ""
                cur += field
        records.append(cur)
        for r in records:
            self.rec("EXECVE", st, r.lstrip(" "))

    def proctitle(self, st, args):
        if not self.with_proctitle:
            return
        title = b"\x00".join(args)[:128]
        if b"\x00" in title or any(b == 0x22 or b < 0x21 or b > 0x7E for b in title):
            value = title.hex().upper()
        else:
            value = title.decode("ascii")
        self.rec("PROCTITLE", st, "proctitle=" + value)

    def exec_event(self, t, serial, pid, ppid, exe: bytes, args, cwd: bytes = b"/", path_name: bytes = None):
        st = stamp(t, serial)
        comm = exe.rsplit(b"/", 1)[-1]
        self.syscall(st, 59, "execve", "yes", 0, 2, ppid, pid, comm, exe, "imds_exec")
        self.execve_records(st, args)
        self.rec("CWD", st, "cwd=" + untrusted(cwd))
        self.rec("PATH", st, "item=0 name=%s inode=10977332 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 "
                 "nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0"
                 % untrusted(path_name if path_name is not None else exe), 'OUID="root" OGID="root"')
        self.proctitle(st, args)
        self.end(st)

    def connect_event(self, t, serial, pid, ppid, exe: bytes, args, saddr="02000050A9FEA9FE0000000000000000",
                      exit_code=-115):
        st = stamp(t, serial)
        comm = exe.rsplit(b"/", 1)[-1]
        self.syscall(st, 42, "connect", "no" if exit_code < 0 else "yes", exit_code, 0, ppid, pid, comm, exe,
                     "imds_connect")
        self.rec("SOCKADDR", st, "saddr=" + saddr, "SADDR={ saddr_fam=inet laddr=169.254.169.254 lport=80 }")
        self.proctitle(st, args)
        self.end(st)


def imds_pair(w, t, serial, parent_pid, child_pid, exe=b"/usr/bin/curl", args=None, cwd=b"/",
              with_parent=True, gap=0.02, connect=True):
    """The parent's own exec, then the child's exec and its IMDS connect."""
    if args is None:
        args = [b"curl", b"-s", b"http://169.254.169.254/latest/meta-data/"]
    if with_parent:
        w.exec_event(t, serial, parent_pid, 1, b"/usr/bin/bash", [b"bash", b"-c", b"run"])
    w.exec_event(t + 0.001, serial + 1, child_pid, parent_pid, exe, args, cwd)
    if connect:
        w.connect_event(t + 0.001 + gap, serial + 2, child_pid, parent_pid, exe, args)
    return serial + 3


def scenario(name, t, serial, enriched=True, eoe=True, repeat=1, node=None, proctitle=True, pid_base=20000,
             spacing=0.01):
    w = Writer(enriched=enriched, node=node, eoe=eoe, proctitle=proctitle)
    if name in ("imds", "exec_only"):
        # `repeat` distinct parent/child pairs, `spacing` s apart; exec_only
        # leaves out the connects (every pair stays a pending sequence). Pids
        # run up to the kernel's pid_max (4194304), then wrap.
        span = (4194304 - pid_base) // 2
        for i in range(repeat):
            parent = pid_base + 2 * (i % span)
            serial = imds_pair(w, t + i * spacing, serial, parent, parent + 1, connect=(name == "imds"))
    elif name == "noise":
        # `repeat` uninteresting events (an open by cat), for volume.
        for i in range(repeat):
            st = stamp(t + i * 0.0001, serial + i)
            w.rec("SYSCALL", st, "arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=7ffd a2=0 a3=0 "
                  "items=1 ppid=1 pid=4242 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
                  "tty=(none) ses=14 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)", w._ids("openat"))
            w.rec("PATH", st, "item=0 name=\"/etc/hostname\" inode=1 dev=fe:00 mode=0100644 ouid=0 ogid=0 "
                  "rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
                  'OUID="root" OGID="root"')
            w.end(st)
    elif name.startswith("inject_"):
        f = injected_fields(name[len("inject_"):])
        imds_pair(w, t, serial, 30000, 30001, exe=f["exe"], args=f["args"], cwd=f["cwd"])
    else:
        raise SystemExit("unknown scenario " + name)
    return w.data()


def main(argv):
    if len(argv) >= 2 and argv[1] == "payloads":
        print("\n".join(list(PAYLOADS) + ["many_long"]))
        return 0
    if len(argv) == 3 and argv[1] == "payload":
        sys.stdout.buffer.write(PAYLOADS[argv[2]])
        return 0
    if len(argv) < 3 or argv[1] != "scenario":
        sys.stderr.write(__doc__)
        return 2
    name = argv[2]
    opts = argv[3:]
    t = time.time()
    serial = 1000
    enriched, eoe, repeat, node, proctitle, pid_base, spacing = True, True, 1, None, True, 20000, 0.01
    i = 0
    while i < len(opts):
        o = opts[i]
        if o == "--time":
            t = float(opts[i + 1]); i += 1
        elif o == "--base-serial":
            serial = int(opts[i + 1]); i += 1
        elif o == "--raw":
            enriched = False
        elif o == "--no-eoe":
            eoe = False
        elif o == "--no-proctitle":
            proctitle = False
        elif o == "--repeat":
            repeat = int(opts[i + 1]); i += 1
        elif o == "--spacing":
            spacing = float(opts[i + 1]); i += 1
        elif o == "--pid-base":
            pid_base = int(opts[i + 1]); i += 1
        elif o == "--node":
            node = opts[i + 1]; i += 1
        else:
            raise SystemExit("unknown option " + o)
        i += 1
    sys.stdout.buffer.write(scenario(name, t, serial, enriched, eoe, repeat, node, proctitle, pid_base,
                                      spacing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

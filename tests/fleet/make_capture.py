#!/usr/bin/python3
"""Write a small hand-made audit capture: a shell's exec, one client exec'd by
that shell, and the client's connect to one address.

The records imitate what auditd 3.0.9 (log_format = RAW) hands its plugins on
x86_64 (compare tests/data/curl.raw.log): SYSCALL, EXECVE, CWD, PATH,
PROCTITLE, EOE for an execve; SYSCALL, SOCKADDR, PROCTITLE, EOE for a
connect. The SOCKADDR is built from the address like the kernel does:
AF_INET  = family 0200, port, 4 address bytes, 8 zero bytes;
AF_INET6 = family 0A00, port, flowinfo (4 bytes), 16 address bytes, scope id.
No network is involved: this only writes text.

  make_capture.py --url URL --connect ADDR [options] > capture.log

Options (defaults in brackets):
  --node NAME         prefix every record with node=NAME [none]
  --time SECONDS      audit time of the shell's exec [1795930000.100]
  --serial N          its serial; the client exec is N+3, the connect N+6 [7000]
  --pid N             the shell's pid [4000]
  --client-pid N      the client's pid [shell's pid + 1]
  --ppid N            the shell's parent [3999] (never exec'd in the capture)
  --exe PATH          the client's executable [/usr/bin/curl]
  --connect-delay MS  from the client's exec to its connect [20]
  --port N            destination port [80]
  --family inet|inet6 force the socket family (inet6 with an IPv4 ADDR gives
                      the IPv4-mapped form ::ffff:a.b.c.d) [from ADDR]
  --no-shell          leave the shell's exec out: the client's parent (--pid)
                      is then known only from the process table or /proc
"""
import argparse
import ipaddress


def hexstr(s):
    return s.encode().hex().upper()


def audit_arg(s):
    """EXECVE's encoding: quoted when plain, hex when it has a space, quote or control character."""
    if s and all(0x21 <= ord(c) < 0x7F and c != '"' for c in s):
        return f'"{s}"'
    return hexstr(s)


def sockaddr(addr, port, family):
    ip = ipaddress.ip_address(addr)
    if family is None:
        family = "inet6" if ip.version == 6 else "inet"
    if family == "inet":
        if ip.version != 4:
            raise SystemExit("--family inet needs an IPv4 address")
        return "0200" + "%04X" % port + ip.packed.hex().upper() + "00" * 8
    if ip.version == 4:
        ip = ipaddress.IPv6Address("::ffff:" + str(ip))
    return "0A00" + "%04X" % port + "00000000" + ip.packed.hex().upper() + "00000000"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--connect", required=True, metavar="ADDR")
    ap.add_argument("--node")
    ap.add_argument("--time", default="1795930000.100")
    ap.add_argument("--serial", type=int, default=7000)
    ap.add_argument("--pid", type=int, default=4000)
    ap.add_argument("--client-pid", type=int)
    ap.add_argument("--ppid", type=int, default=3999)
    ap.add_argument("--exe", default="/usr/bin/curl")
    ap.add_argument("--connect-delay", type=int, default=20)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--family", choices=("inet", "inet6"))
    ap.add_argument("--no-shell", action="store_true")
    a = ap.parse_args()

    sec, _, ms = a.time.partition(".")
    t0 = int(sec) * 1000 + int((ms + "000")[:3])
    prefix = f"node={a.node} " if a.node else ""
    out = []

    def event(t, serial, records):
        stamp = f"msg=audit({t // 1000}.{t % 1000:03d}:{serial}):"
        for r in records:
            kind, _, rest = r.partition(" ")
            out.append(f"{prefix}{kind} {stamp} {rest}".rstrip() + "\n")

    def syscall(nr, success, exit_code, items, ppid, pid, comm, exe, key):
        return (f"type=SYSCALL arch=c000003e syscall={nr} success={success} exit={exit_code} "
                f"a0=0 a1=0 a2=0 a3=0 items={items} ppid={ppid} pid={pid} auid=0 uid=0 gid=0 euid=0 "
                f"suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=7 comm=\"{comm}\" exe=\"{exe}\" "
                f"key=\"{key}\"")

    def execve(t, serial, ppid, pid, exe, argv):
        comm = exe.rsplit("/", 1)[-1][:15]
        args = " ".join(f"a{i}={audit_arg(v)}" for i, v in enumerate(argv))
        event(t, serial, [
            syscall(59, "yes", 0, 2, ppid, pid, comm, exe, "imds_exec"),
            f"type=EXECVE argc={len(argv)} {args}",
            "type=CWD cwd=\"/\"",
            f"type=PATH item=0 name=\"{exe}\" inode=1000 dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 "
            "nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
            f"type=PROCTITLE proctitle={hexstr(chr(0).join(argv))}",
            "type=EOE",
        ])

    client = a.client_pid if a.client_pid is not None else a.pid + 1
    client_args = [a.exe.rsplit("/", 1)[-1], "-g", "-s", "-m", "5", a.url]
    if not a.no_shell:
        execve(t0, a.serial, a.ppid, a.pid, "/usr/bin/bash", ["/usr/bin/bash", "-c", " ".join(client_args)])
    execve(t0 + 4, a.serial + 3, a.pid, client, a.exe, client_args)
    comm = a.exe.rsplit("/", 1)[-1][:15]
    event(t0 + 4 + a.connect_delay, a.serial + 6, [
        syscall(42, "no", -115, 0, a.pid, client, comm, a.exe, "imds_connect"),
        f"type=SOCKADDR saddr={sockaddr(a.connect, a.port, a.family)}",
        f"type=PROCTITLE proctitle={hexstr(chr(0).join(client_args))}",
        "type=EOE",
    ])
    print("".join(out), end="")


if __name__ == "__main__":
    main()

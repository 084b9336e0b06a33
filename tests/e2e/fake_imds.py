#!/usr/bin/python3
"""A fake EC2 Instance Metadata Service for end-to-end tests (python3 stdlib only).

It binds exactly the address it is given and nothing else: it is meant to run
inside a network namespace that owns 169.254.169.254 on its loopback, so that
test clients there never reach a real metadata service. A wildcard address
(0.0.0.0, ::, empty) is refused, because that would also answer on whatever
other addresses the namespace has.

Every value it serves is fake (instance ids, keys, tokens): nothing here is a
secret and nothing resembles a real credential closely enough to be used.

  fake_imds.py --address 169.254.169.254 [--port 80] [--ready-file PATH]

The ready file is written (with this process's pid) only after the socket is
bound and listening, so a caller can wait for it without sending a probe.
"""

import argparse
import http.server
import ipaddress
import json
import os
import socket
import socketserver
import sys

FAKE_TOKEN = "AQAEAFAKE-imds-e2e-token-0000000000000000000000000000=="
FAKE_ROLE = "imds-e2e-fake-role"
FAKE_CREDENTIALS = {
    "Code": "Success",
    "LastUpdated": "2025-01-01T00:00:00Z",
    "Type": "AWS-HMAC",
    "AccessKeyId": "ASIAFAKEFAKEFAKEFAKE",
    "SecretAccessKey": "fake/fake/fake/fake/fake/fake/fake/fake0",
    "Token": "FAKE-session-token-for-imds-e2e-tests-only",
    "Expiration": "2099-01-01T00:00:00Z",
}
FAKE_IDENTITY = {
    "accountId": "000000000000",
    "architecture": "x86_64",
    "availabilityZone": "xx-fake-1a",
    "imageId": "ami-00000000000000000",
    "instanceId": "i-00000000000000000",
    "instanceType": "t3.fake",
    "privateIp": "10.255.255.254",
    "region": "xx-fake-1",
}

META_DATA = {
    "": "ami-id\nhostname\ninstance-id\niam/\nlocal-hostname\nlocal-ipv4\npublic-ipv4\npublic-keys/\n",
    "ami-id": FAKE_IDENTITY["imageId"],
    "hostname": "ip-10-255-255-254.fake.internal",
    "instance-id": FAKE_IDENTITY["instanceId"],
    "iam/": "security-credentials/\n",
    "iam/security-credentials/": FAKE_ROLE,
    "iam/security-credentials/" + FAKE_ROLE: json.dumps(FAKE_CREDENTIALS, indent=2),
    "local-hostname": "ip-10-255-255-254.fake.internal",
    "local-ipv4": FAKE_IDENTITY["privateIp"],
    "public-ipv4": "192.0.2.254",  # TEST-NET-1: documentation range, never routed
    "public-keys/": "0=imds-e2e-fake-key",
}


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, closed after the answer, so simple
    # clients (ncat, socat, gawk, bash /dev/tcp) see EOF and exit.
    protocol_version = "HTTP/1.0"
    server_version = "FakeIMDS/1.0"
    sys_version = ""
    # A client that connects and never sends a request line (openssl's TLS
    # hello has no newline) must not keep a handler thread forever.
    timeout = 3

    def log_message(self, fmt, *args):
        sys.stderr.write("fake_imds: %s %s\n" % (self.address_string(), fmt % args))

    def _send(self, code, body, content_type="text/plain"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_PUT(self):
        if self.path != "/latest/api/token":
            return self._send(404, "Not Found\n")
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if ttl is None or not ttl.strip().isdigit():
            return self._send(400, "Missing or invalid X-aws-ec2-metadata-token-ttl-seconds\n")
        return self._send(200, FAKE_TOKEN)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        token = self.headers.get("X-aws-ec2-metadata-token")
        if token is not None and token != FAKE_TOKEN:
            return self._send(401, "Unauthorized\n")
        if path in ("/latest/dynamic/instance-identity/document",):
            return self._send(200, json.dumps(FAKE_IDENTITY, indent=2), "application/json")
        if path == "/latest/user-data":
            return self._send(200, "#!/bin/sh\necho fake user-data\n")
        prefix = "/latest/meta-data/"
        if path == "/latest/meta-data":
            path = prefix
        if path.startswith(prefix):
            key = path[len(prefix):]
            if key in META_DATA:
                return self._send(200, META_DATA[key])
        return self._send(404, "Not Found\n")

    do_HEAD = do_GET


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", required=True, help="the one address to bind (no wildcard)")
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--ready-file", help="written with our pid once listening")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    try:
        address = ipaddress.ip_address(args.address)
    except ValueError:
        sys.stderr.write("fake_imds: not an IP address: %r\n" % args.address)
        return 2
    if address.is_unspecified:
        sys.stderr.write("fake_imds: refusing to bind the wildcard address %s\n" % address)
        return 2
    Server.address_family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    server = Server((str(address), args.port), Handler)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(tmp, args.ready_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

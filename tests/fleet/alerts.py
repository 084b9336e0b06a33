#!/usr/bin/python3
"""Summarise audisp-imds JSON alert lines (stdin or FILE) as TSV, one line per
alert, so that shell tests can compare them with awk/grep:

  host.id host.name rule.id process.pid process.parent.pid process.entity_id
  process.parent.entity_id process.parent.executable destination.ip
  audit.exec.serial audit.connect.serial process.command_line

A missing field prints as "-". Exit 1 on a line that is not a JSON object.
"""
import json
import sys

FIELDS = (
    "host.id", "host.name", "rule.id", "process.pid", "process.parent.pid", "process.entity_id",
    "process.parent.entity_id", "process.parent.executable", "destination.ip", "audit.exec.serial",
    "audit.connect.serial", "process.command_line",
)


def get(obj, dotted):
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return "-"
        obj = obj[part]
    return str(obj).replace("\t", " ").replace("\n", " ")


def main():
    stream = open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            alert = json.loads(line)
        except ValueError as e:
            sys.exit(f"line {n}: not JSON: {e}")
        if not isinstance(alert, dict):
            sys.exit(f"line {n}: not a JSON object")
        print("\t".join(get(alert, f) for f in FIELDS))


if __name__ == "__main__":
    main()

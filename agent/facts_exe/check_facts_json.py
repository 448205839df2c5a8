#!/usr/bin/env python3
"""Checks mamori-facts.exe --format json output: valid JSON, and every family
of mamori.v1.EndpointFacts (read from proto/mamori/v1/facts.proto) present
with a status whose state is set. Exit 0 when all hold, 1 otherwise.

Usage: check_facts_json.py OUTPUT.json
"""
import json
import pathlib
import re
import sys

PROTO = pathlib.Path(__file__).resolve().parents[2] / "proto/mamori/v1/facts.proto"


def families():
    text = PROTO.read_text(encoding="utf-8")
    body = re.search(r"message EndpointFacts \{(.*?)\n\}", text, re.S).group(1)
    # Families are the message-typed fields numbered from 10.
    return [name for (_type, name, num) in
            re.findall(r"^\s*(\w+Facts)\s+(\w+)\s*=\s*(\d+);", body, re.M)
            if int(num) >= 10]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    raw = pathlib.Path(sys.argv[1]).read_bytes()
    try:
        facts = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"check_facts_json: not valid UTF-8 JSON: {e}", file=sys.stderr)
        return 1
    problems = []
    expected = families()
    if not expected:
        problems.append("no families found in facts.proto")
    for name in expected:
        family = facts.get(name)
        if not isinstance(family, dict):
            problems.append(f"family {name} missing")
        elif not family.get("status", {}).get("state"):
            problems.append(f"family {name} has no status.state")
    for p in problems:
        print(f"check_facts_json: {p}", file=sys.stderr)
    if not problems:
        print(f"check_facts_json: {len(expected)} families present")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""bench/parse_complete.py WRK_OUTPUT -> "rate p99_ms first_error" from bench/complete.lua's summary."""
import re
import sys

t = open(sys.argv[1]).read()
m = re.search(r"COMPLETE ok=(\d+) other=(\d+) duration_us=(\d+) p99_us=(\d+)", t)
e = re.search(r"COMPLETE first_error=(.*)", t)
if not m:
    print("0 nan -")
    sys.exit()
ok, other, d, p = map(int, m.groups())
print(f"{ok / (d / 1e6):.0f} {p / 1000:.2f} {(e.group(1)[:120] if e else '-').replace(' ', '_')}")

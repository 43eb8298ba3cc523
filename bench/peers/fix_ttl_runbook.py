"""The runbook's fix_ttl_*.py shape, as the real peer: redis-py, scan_iter, then TTL and EXPIRE one
key at a time. Time-boxed; prints one JSON line {"fixed", "walked_pages", "seconds", "complete"}.
Usage: python3 fix_ttl_runbook.py PORT MATCH TTL_SECONDS MAX_SECONDS
"""
import json
import sys
import time

import redis

port, match, ttl, max_seconds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
r = redis.Redis(host="127.0.0.1", port=port)
started = time.monotonic()
fixed = 0
complete = True
for key in r.scan_iter(match=match):
    if r.ttl(key) == -1:
        r.expire(key, ttl)
        fixed += 1
    if time.monotonic() - started > max_seconds:
        complete = False
        break
print(json.dumps({"fixed": fixed, "seconds": time.monotonic() - started, "complete": complete}))

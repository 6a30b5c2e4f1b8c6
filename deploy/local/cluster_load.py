#!/usr/bin/env python3
"""cluster_load.py — a bounded mixed read/write load for cluster-test.sh.

Usage: cluster_load.py URL SECONDS THREADS OUT.jsonl   (MEASURES, WRITER, READER in the env)

Each thread loops until SECONDS have passed: three times in ten it POSTs a progress record with
a (measure, period) no other request uses and at once reads it back presenting the write's
Zeren-Consistency token; otherwise it reads a record written earlier or a page of measures.
Every exchange is one JSON line in OUT: t (seconds since LOAD_T0_MS), kind, status (0 when the
connection failed), id, and for writes the measure and period.
"""
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

url, seconds, threads, out_path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlparse(url)
measures = [int(m) for m in os.environ["MEASURES"].split(",")]
writer, reader = os.environ["WRITER"], os.environ["READER"]
start = time.monotonic()
# t is measured from the shell's clock (LOAD_T0_MS, epoch ms), so the moments it logs for the
# kill and the replica stop compare with t however long this interpreter took to start.
t0_wall = float(os.environ.get("LOAD_T0_MS", time.time() * 1000)) / 1000
lock = threading.Lock()
out = open(out_path, "w")
written = []  # ids acknowledged so far, for reads


def log(rec):
    rec["t"] = round(time.time() - t0_wall, 3)
    with lock:
        out.write(json.dumps(rec) + "\n")


def call(conn, method, path, token, body=None, headers=None):
    h = {"Authorization": "Bearer " + token}
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(headers or {})
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, data, r.getheader("Zeren-Consistency")
    except (OSError, http.client.HTTPException):
        conn.close()
        return 0, b"", None


def worker(n):
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    rnd = random.Random(n)
    seq = 0
    while time.monotonic() - start < seconds:
        if rnd.random() < 0.3:
            seq += 1
            m = measures[(n * 7919 + seq) % len(measures)]
            k = n * 100000 + seq  # unique per thread and request
            period = "%04d-%02d" % (2100 + k // 12 % 7000, 1 + k % 12)
            body = json.dumps({"measure_id": m, "period": period, "status": "on_track",
                               "summary": "cluster %d/%d" % (n, seq)})
            st, data, token = call(conn, "POST", "/v1/progress", writer, body)
            rec = {"kind": "write", "status": st, "measure": m, "period": period}
            if st == 201:
                rec["id"] = json.loads(data)["id"]
                rec["token"] = token
                with lock:
                    written.append(rec["id"])
            log(rec)
            if st == 201:
                hdr = {"Zeren-Consistency": token} if token else {}
                st2, _, _ = call(conn, "GET", "/v1/progress/%d" % rec["id"], reader, None, hdr)
                log({"kind": "read_own", "status": st2, "id": rec["id"]})
        else:
            with lock:
                pick = rnd.choice(written) if written else None
            path = "/v1/progress/%d" % pick if pick else "/v1/measures?limit=5"
            st, _, _ = call(conn, "GET", path, reader)
            log({"kind": "read", "status": st, "id": pick})


ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
out.close()

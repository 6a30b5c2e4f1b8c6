#!/usr/bin/env python3
"""gen_plan.py — writes a synthetic zeren.plan/v1 document for benchmarks.

usage: gen_plan.py PLAN_NO MEASURES TARGETS_PER_MEASURE > plan.json
Every measure is led by unit "hrss" (so one reporter token can write to all of them) and
shares a few of 200 generated units."""
import json
import sys

plan_no, n_measures, n_targets = (int(a) for a in sys.argv[1:4])
units = [{"code": "hrss", "name": "市人力资源社会保障局", "kind": "department"}]
units += [{"code": f"bench-unit-{i:03d}", "name": f"基准单位{i:03d}", "kind": "department"}
          for i in range(1, 200)]
tasks = [{"code": f"bench-p{plan_no}-t{t}", "number": t, "label": f"（{t}）",
          "title": f"基准任务{t}"} for t in range(1, 6)]
measures = []
for m in range(1, n_measures + 1):
    text = f"到2022年，完成第{m}项措施的目标，培训{m * 10}人次以上。"
    targets = [{
        "code": f"bench-p{plan_no}-m{m}-t{t}", "item": 1, "metric": f"指标{t}",
        "kind": "quantity", "comparator": "gte", "value": 100 + t,
        "unit_of_measure": "人次", "deadline": "2022-12-31", "recurrence": None,
        "recurrence_start": None, "accountable_unit": None,
        "aggregation": "sum" if t % 2 else "latest", "share_of": None,
        "source_phrase": "培训"} for t in range(1, n_targets + 1)]
    related = sorted({f"bench-unit-{1 + (m * 7 + k * 13) % 199:03d}" for k in range(3)})
    measures.append({
        "code": f"bench-p{plan_no}-m{m}", "number": m,
        "task": tasks[(m - 1) * 5 // n_measures]["code"], "title": f"基准措施{m}。",
        "items": [{"number": 1, "text": text}], "lead": ["hrss"], "related": related,
        "targets": targets})
doc = {"format": "zeren.plan/v1",
       "plan": {"code": f"bench-plan-{plan_no}", "title": f"基准方案{plan_no}",
                "start_date": "2021-01-01", "cadence": "quarter", "report_due_days": 15,
                "assumptions": []},
       "units": units, "tasks": tasks, "measures": measures}
json.dump(doc, sys.stdout, ensure_ascii=False)

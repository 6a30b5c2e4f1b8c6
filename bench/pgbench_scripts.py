#!/usr/bin/env python3
"""pgbench_scripts.py — writes pgbench scripts that run the service's own statements.

usage: pgbench_scripts.py BUILD_DIR OUT_DIR
The statement texts are read from BUILD_DIR/db_sql.c (generated from service/sql/*.sql), so a
script runs exactly what the binary of that build prepares; $n become pgbench variables or
constants. Scripts written:
  get_measure.sql    GET /v1/measures/{id}          (:mid)
  list_measures.sql  GET /v1/measures?limit=50      (page 1, no filter, no ?code=)
  post_progress.sql  POST /v1/progress as the reporter of unit hrss: BEGIN, the scope check (by id, no measure code),
                     the insert, the snapshot + audit row, COMMIT (the five round trips of a
                     request without values). Needs -D k=0 -D nclients= -D lo= -D nm= -D y0= -D
                     unit_id=;
                     each client writes its own (measure, period)s."""
import re
import sys

build, out = sys.argv[1], sys.argv[2]
source = open(f"{build}/db_sql.c", encoding="utf-8").read()


def statement(name):
    m = re.search(r"static const char sql_%s\[\] =\n((?:\t\".*\";?\n)+)" % name, source)
    if m is None:
        sys.exit(f"{name} not in {build}/db_sql.c")
    text = ""
    for line in m.group(1).splitlines():
        lit = line.strip().rstrip(";")[1:-1]
        text += lit.encode("latin-1", "backslashreplace").decode("unicode_escape").encode(
            "latin-1").decode("utf-8")
    return text


def literal_colons(text):
    """pgbench reads :name as a variable, also inside a literal ('HH24:MI:SS'): such a literal
    is split at the colon into constants joined with ||, which the planner folds back."""
    def split(m):
        return re.sub(r":(?=[A-Za-z_])", ":' || '", m.group(0))
    return re.sub(r"'(?:[^']|'')*'", split, text)


def bind(text, params):
    def one(m):
        return params[int(m.group(1)) - 1]
    return re.sub(r"\$(\d+)", one, literal_colons(text)).rstrip().rstrip(";")


def write(name, lines):
    with open(f"{out}/{name}", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


write("get_measure.sql", [bind(statement("STMT_MEASURE_GET"), [":mid", "false"]) + ";"])
write("list_measures.sql", [bind(statement("STMT_MEASURE_LIST"),
                                 ["NULL", "NULL", "NULL", "NULL", "NULL", "false", "NULL",
                                  "NULL", "NULL", "51"]) + ";"])
period = "(lpad((:y)::int::text, 4, '0') || '-' || lpad((:mo)::int::text, 2, '0'))"
start = "make_date((:y)::int, (:mo)::int, 1)"
end = f"(({start}) + interval '1 month - 1 day')::date"
write("post_progress.sql", [
    "\\set k :k + 1",
    "\\set n :k * :nclients + :client_id",
    "\\set mid :lo + (:n % :nm)",
    "\\set kk :n / :nm",
    "\\set y :y0 + (:kk / 12)",
    "\\set mo 1 + (:kk % 12)",
    "BEGIN;",
    bind(statement("STMT_PROGRESS_SCOPE"),
         ["'hrss'", "'reporter'", ":mid", "'[]'", "'hrss'", "NULL"]) + ";",
    bind(statement("STMT_PROGRESS_INSERT"),
         [":mid", ":unit_id", period, start, end, "'on_track'", "'pgbench'", "NULL", "NULL",
          "'[]'", "'bench-hrss'", "'zeren-dev'"]) + " \\gset",
    bind(statement("STMT_PROGRESS_SNAPSHOT"),
         [":id", "'bench-hrss'", "'zeren-dev'", "'hrss'", "'pgbench'", "'progress.create'",
          "NULL"]) + ";",
    "COMMIT;",
])

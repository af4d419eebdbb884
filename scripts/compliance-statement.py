#!/usr/bin/env python3
"""The compliance report's statement as the program sends it, with values in place of its parameters.

Read from Sources/RegisterStore/Reports/ReportStore.swift (`compliance`) and the latest-update lookup it
uses (Sources/RegisterStore/Progress/LatestUpdate.swift), so that a benchmark's psql runs exactly what
the service runs. Used by scripts/bench-reports and scripts/bench-national.

    compliance-statement.py REPORTSTORE AT REVIEW DAY

AT is `live` or a seal time (the tables named as at it, `register.<table>_as_at('AT'::text)`); REVIEW
is a review's id or `all`; DAY is a date, or `today` for PostgreSQL's current_date. Every other filter
is left unset. Fails, naming it, on an interpolation it does not know.
"""
import re
import sys

source_path, at, review, day = sys.argv[1:5]
source = open(source_path, encoding="utf-8").read()
body = source[source.index("public func compliance("):]
start = body.index('"""') + 3
sql = body[start:body.index('"""', start)]
sql = sql.replace("\\(at)", "NULL::text" if at == "live" else "'" + at + "'::text")
sql = sql.replace("\\(day)", "current_date" if day == "today" else "'" + day + "'::date")
sql = sql.replace("\\(f.reviewID)", "NULL" if review == "all" else "'" + review + "'")


def snake(name):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


# A table named with its moment, \(.progressUpdates, at: at): the live table or its history as at then.
def table(name):
    """register.<name>, or its history as at AT."""
    return "register." + name + ("" if at == "live" else "_as_at('" + at + "'::text)")


sql = re.sub(r"\\\(\.([A-Za-z]+), at: at\)", lambda m: table(snake(m.group(1))), sql)
# The latest update of a line, \(latestUpdateOf: "l.assignment_id", at: at): the SQL the interpolation in
# LatestUpdate.swift (beside ReportStore's folder) writes, read from it.
helper = open(source_path.replace("Reports/ReportStore.swift", "Progress/LatestUpdate.swift"), encoding="utf-8").read()
pieces = re.findall(r'appendLiteral\("((?:[^"\\]|\\.)*)"\)', helper)
if len(pieces) != 2:
    sys.exit("LatestUpdate.swift no longer writes its SQL in two literal pieces around the table")
sql = re.sub(r'\\\(latestUpdateOf: "([A-Za-z_.]+)", at: at\)',
             lambda m: pieces[0] + table("progress_updates") + pieces[1].replace("\\(assignment)", m.group(1)), sql)
sql = re.sub(r"\\\(f\.[A-Za-z?.]+\)", "NULL", sql)
if "\\(" in sql:
    sys.exit("an interpolation this script does not know: " + sql[sql.index("\\("):][:40])
print(" ".join(line.strip() for line in sql.splitlines() if line.strip() and not line.strip().startswith("--")))

#!/usr/bin/env python3
"""The statements one request sent, from PostgreSQL's log, as a pgbench script (scripts/bench-api).

Usage: bench-api-capture.py LOG OFFSET PIDS OUT [VALUE=EXPRESSION ...]

Reads the log written from byte OFFSET on (PostgreSQL's default stderr format, `%m [%p] ` before each
line, with `log_statement = all` for the server's role), keeps the statements of the backends whose
process ids are in PIDS (comma-separated: the server's connections), puts each one's bound values in
place of its parameters ($1 … as the values PostgreSQL logged, quoted as it quoted them) and writes
them to OUT, one statement per command, in the order they were sent. Prints how many it wrote.

A statement the server sent by name (one it keeps planned on each connection: `KeptStatement`) is
sent the same way: the script prepares it once per pgbench connection (`PREPARE name AS …` behind
`\if :prepared = 0`, so pgbench must be given `-D prepared=0`) and then runs `EXECUTE name(values)`,
so that PostgreSQL plans it as seldom for pgbench as for the server. The other statements are sent
whole, values in place, and planned each time, as the server's unnamed ones are.

Each VALUE=EXPRESSION (scripts/bench-writes: an id that must be fresh in every transaction, such as
the piece of evidence decided) puts the SQL expression, text-valued, in place of VALUE (compared
without regard to case) wherever it stands in a quoted literal: a literal that is VALUE alone becomes
`(EXPRESSION)::uuid`, one that holds it among other text becomes a concatenation of its parts (cast to
uuid[] when it is an array literal without a cast of its own).
"""
import re
import sys

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\w+):  (.*)$")
STATEMENT = re.compile(r"^(?:statement|execute ([^:]*)): (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
KEPT_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def entries(text):
    """(pid, level, message) for each log entry; lines without the prefix continue the one before."""
    current = None
    for line in text.split("\n"):
        match = ENTRY.match(line)
        if match:
            if current:
                yield current
            current = [match.group(1), match.group(2), match.group(3)]
        elif current is not None:
            current[2] += "\n" + line
    if current:
        yield current


def bind(sql, values):
    """The statement with each $n replaced by its logged value (outside quoted text)."""
    out, i, quote = [], 0, None
    while i < len(sql):
        c = sql[i]
        if quote:
            out.append(c)
            if c == quote:
                quote = None
            i += 1
        elif c in "'\"":
            quote = c
            out.append(c)
            i += 1
        elif c == "$" and i + 1 < len(sql) and sql[i + 1].isdigit():
            j = i + 1
            while j < len(sql) and sql[j].isdigit():
                j += 1
            number = int(sql[i + 1:j])
            if number not in values:
                sys.exit(f"no logged value for ${number} in: {sql[:200]}")
            out.append(values[number])
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def execute(name, values):
    """`EXECUTE name(…)` of a kept statement with its logged values, in the order of its parameters."""
    if not values:
        return f"EXECUTE {name}"
    missing = [n for n in range(1, max(values) + 1) if n not in values]
    if missing:
        sys.exit(f"no logged value for ${missing[0]} of the kept statement {name}")
    return f"EXECUTE {name}(" + ", ".join(values[n] for n in range(1, max(values) + 1)) + ")"


def literals(sql):
    """(start, end) of each single-quoted literal of the statement (end is past its closing quote)."""
    i, quote = 0, None
    while i < len(sql):
        c = sql[i]
        if c in "'\"":
            j = i + 1
            while j < len(sql):
                if sql[j] == c and j + 1 < len(sql) and sql[j + 1] == c:
                    j += 2
                elif sql[j] == c:
                    break
                else:
                    j += 1
            if c == "'":
                yield i, j + 1
            i = j + 1
        else:
            i += 1


def substitute(sql, replacements):
    """The statement with each VALUE in its literals replaced by its EXPRESSION (see the usage)."""
    if not replacements:
        return sql
    pattern = re.compile("|".join(re.escape(v) for v in replacements), re.I)
    out, last = [], 0
    for start, end in literals(sql):
        body = sql[start + 1:end - 1]
        if not pattern.search(body):
            continue
        out.append(sql[last:start])
        whole = pattern.fullmatch(body)
        if whole:
            out.append("(" + replacements[whole.group(0).lower()] + ")::uuid")
        else:
            parts, at = [], 0
            for match in pattern.finditer(body):
                if match.start() > at:
                    parts.append("'" + body[at:match.start()] + "'")
                parts.append("(" + replacements[match.group(0).lower()] + ")")
                at = match.end()
            if at < len(body):
                parts.append("'" + body[at:] + "'")
            out.append("(" + " || ".join(parts) + ")")
            # An array literal the statement left for PostgreSQL to type (`id = ANY($1)`) keeps its type.
            if body.startswith("{") and body.endswith("}") and not sql.startswith("::", end):
                out.append("::uuid[]")
        last = end
    out.append(sql[last:])
    return "".join(out)


def main():
    log, offset, pids, target = sys.argv[1], int(sys.argv[2]), set(sys.argv[3].split(",")), sys.argv[4]
    replacements = {}
    for argument in sys.argv[5:]:
        value, expression = argument.split("=", 1)
        replacements[value.lower()] = expression
    with open(log, "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    # pending: (the statement's text, the name it was kept under or None) until its values come.
    statements, kept, pending = [], {}, None

    def sent(values):
        sql, name = pending
        if name is None:
            statements.append(bind(sql, values))
            return
        # The name goes into SQL as it is: the register names its kept statements `lr_…`.
        if not KEPT_NAME.match(name):
            sys.exit(f"the kept statement {name!r} needs a plain lower-case name (KeptStatement's `static let name`)")
        if kept.setdefault(name, sql) != sql:
            sys.exit(f"two different statements were kept under the name {name}")
        if not values and re.search(r"\$\d", sql):
            sys.exit(f"no logged values for the kept statement {name}")
        statements.append(execute(name, values))

    for pid, level, message in entries(text):
        if pid not in pids:
            continue
        if level == "LOG":
            match = STATEMENT.match(message)
            if match:
                if pending is not None:
                    sent({})
                name = match.group(1)
                pending = (match.group(2).strip().rstrip(";"), None if name in (None, "<unnamed>") else name)
        elif level == "DETAIL" and pending is not None and message.startswith("parameters: "):
            sent({int(n): v for n, v in PARAMETER.findall(message)})
            pending = None
    if pending is not None:
        sent({})
    if not statements:
        sys.exit("no statements of the server's connections in the log: was log_statement on?")

    def command(sql):
        # pgbench reads one command up to its semicolon; blank lines and comments are dropped.
        lines = [line.rstrip() for line in sql.splitlines()]
        return "\n".join(line for line in lines if line.strip() and not line.strip().startswith("--")) + ";\n"

    with open(target, "w", encoding="utf-8") as f:
        if kept:
            f.write("\\if :prepared = 0\n")
            for name, sql in kept.items():
                f.write(command(f"PREPARE {name} AS {sql}"))
            f.write("\\set prepared 1\n\\endif\n")
        for sql in statements:
            changed = substitute(sql, replacements)
            # SQL's EXECUTE takes no parameters, and pgbench would make the expression's variables ones.
            if changed != sql and sql.startswith("EXECUTE "):
                sys.exit(f"a value that must be fresh in each run is among a kept statement's values: {sql[:200]}")
            f.write(command(changed))
    print(len(statements))


main()

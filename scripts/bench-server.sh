# shellcheck shell=bash
# The server a benchmark measures through its API, shared by scripts/bench-api and scripts/bench-writes
# (sourced after scripts/lib.sh). They set BIN, PORT, URL, LOG, WORK, DB and DATABASE_URL before calling these;
# TEST_ADMIN_SOCKET comes from `scripts/postgres env`.

# The superuser, over the cluster's private socket: to turn statement logging on for the server's role.
admin() { psql -X -q -v ON_ERROR_STOP=1 -h "$(dirname "$TEST_ADMIN_SOCKET")" -p "${TEST_ADMIN_SOCKET##*.}" -U postgres "$@"; }

SERVER_PID=""
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
quiet_role() { admin -d postgres -c "ALTER ROLE register_app IN DATABASE $DB RESET log_statement" 2>/dev/null || true; }

# start_server: starts `learning-register serve` and waits for /ready; READY_MS is how long that took.
READY_MS=0  # read by the scripts that source this file
# shellcheck disable=SC2034
start_server() {
    if curl -s -o /dev/null "$URL/health"; then
        die "something already answers on $URL: stop it and run this again (or set BENCH_PORT)"
    fi
    # As in scripts/serve and scripts/test, the server gets only the application's login.
    mapfile -t settings < <(server_settings)
    local began now
    began=$(date +%s%N)
    env -i "${settings[@]}" DATABASE_URL="$DATABASE_URL" HTTP_HOST=127.0.0.1 HTTP_PORT="$PORT" "$BIN" serve >>"$LOG" 2>&1 &
    SERVER_PID=$!
    until curl -fsS -o /dev/null "$URL/ready" 2>/dev/null; do
        now=$(date +%s%N)
        if ! kill -0 "$SERVER_PID" 2>/dev/null || ((now - began > 60000000000)); then
            tail -n 30 "$LOG" >&2
            die "the server did not become ready (log: $LOG)"
        fi
        sleep 0.02
    done
    now=$(date +%s%N)
    READY_MS=$(((now - began) / 1000000))
}
# The cluster's data directory (its postmaster's pid is the first line of postmaster.pid there).
PGDATA_DIR=$(admin -At -d postgres -c "SELECT current_setting('data_directory')")
# cpu_ticks: the server process's processor time so far (user and system, in clock ticks).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SERVER_PID/stat"; }
TICKS_PER_SECOND=$(getconf CLK_TCK)
# pg_ticks: PostgreSQL's processor time so far, in clock ticks: its running processes' and, through the
# postmaster's count of its ended children, the connections that have closed (pgbench's, at its end).
pg_ticks() {
    local postmaster
    postmaster=$(head -n 1 "$PGDATA_DIR/postmaster.pid")
    # cat, not awk, reads the files: a process may end between the listing and the reading.
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$postmaster" '$2 == "(postgres)" && ($4 == pm || $1 == pm) { t += $14 + $15 } $1 == pm { t += $16 + $17 } END { print t + 0 }'
}
# pg_ticks_after_clients: pg_ticks once the connections of a client that has just ended (pgbench) have
# ended too. A connection that ends while pg_ticks reads /proc can be counted in neither its own file nor
# the postmaster's count of ended children; they end within milliseconds of their client.
pg_ticks_after_clients() {
    sleep 0.5
    pg_ticks
}
# per_request TICKS COUNT: milliseconds of processor a request.
per_request() { awk -v t="$1" -v n="$2" -v hz="$TICKS_PER_SECOND" 'BEGIN { printf "%.2f\n", (n > 0 ? 1000 * t / hz / n : 0) }'; }

rss_mb() { awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

# memory_note: where the server's resident memory is — anonymous (heap, stacks) against file-backed (the
# program and its libraries) — and, when gdb is installed and may attach, what the C library's allocator
# says: its memory in use (`malloc_stats()`, which the server writes to its standard error, LOG), and the
# resident set once it has given back the memory it held free (`malloc_trim(0)`). Both are called in the
# server by gdb, which pauses it for a moment. Its memory map (/proc/PID/smaps) is kept in WORK, named by
# the time, to see which mappings hold it.
memory_note() {
    local anon file inuse extra
    cp "/proc/$SERVER_PID/smaps" "$WORK/smaps-$(date +%H%M%S).txt" 2>/dev/null || true
    anon=$(awk '/^RssAnon:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")
    file=$(awk '/^RssFile:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")
    if ! command -v gdb >/dev/null 2>&1; then
        extra="; gdb is not installed, so no allocator figures"
    elif timeout 30 gdb -p "$SERVER_PID" -batch -nx -ex 'call (void) malloc_stats()' -ex 'call (int) malloc_trim(0)' \
        >"$WORK/malloc-trim.txt" 2>&1 && grep -qF "\$1 = " "$WORK/malloc-trim.txt"; then
        inuse=$(awk '/^Total \(incl\. mmap\):/ { t = 1; next }
                     t && /in use bytes/ { v = $NF; t = 0 }
                     END { if (v != "") printf "%.1f", v / 1048576 }' "$LOG")
        extra="; the allocator's memory in use ${inuse:-?} MB; after malloc_trim(0): $(rss_mb) MB"
    else
        extra="; gdb could not call into the server (see $WORK/malloc-trim.txt)"
    fi
    printf 'anonymous %s MB, file-backed %s MB%s\n' "$anon" "$file" "$extra"
}

# sign_in EMAIL PASSWORD: the session cookie's value.
sign_in() {
    curl -sS -o "$WORK/session.json" -D "$WORK/session.headers" -X POST "$URL/api/v1/session" \
        -H 'Content-Type: application/json' -H "Origin: $URL" --data "{\"email\":\"$1\",\"password\":\"$2\"}"
    local cookie
    cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: lr_session=\([^;]*\);.*/\1/p' "$WORK/session.headers" | head -n 1)
    [ -n "$cookie" ] || die "signing in as $1 gave no lr_session cookie: $(cat "$WORK/session.json")"
    printf '%s\n' "$cookie"
}

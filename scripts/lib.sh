# shellcheck shell=bash
# Helpers shared by scripts/postgres, scripts/serve and scripts/test (sourced, not run).

# The repository's top folder, wherever the scripts are called from.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
# runuser lives in /usr/sbin, which a non-login shell's PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

# Progress goes to stderr so that commands like `scripts/postgres env` keep stdout clean.
say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Runs a `pg_ctl start` command, given whole after its log file, and runs it again, every 5 s for up
# to 75 s, while PostgreSQL could not listen because a closed connection held its port. The clusters'
# ports lie in the kernel's range for the local ends of outgoing connections
# (net.ipv4.ip_local_port_range, 32768-60999 by default), and the local end of a connection its client
# closed first stays in TIME_WAIT for 60 s. Linux refuses to bind a listening socket to such a port
# even with SO_REUSEADDR, because the client socket did not set it; after a test stage's thousands of
# loopback connections, one of them may well hold the port asked for. Waiting the 60 s out is certain.
# A port something listens on (another cluster), and any other failure, are returned at once.
start_postgres() {
    local log=$1 waited=0 size attempt port
    shift
    while true; do
        size=$(stat -c %s "$log" 2>/dev/null || echo 0)
        "$@" && return 0
        # Only what this attempt wrote to the log counts.
        attempt=$(tail -c +$((size + 1)) "$log" 2>/dev/null || true)
        grep -q "Address already in use" <<<"$attempt" || return 1
        port=$(grep -o 'running on port [0-9]*' <<<"$attempt" | grep -o '[0-9]*$' | head -n 1 || true)
        if [ -n "$port" ] && command -v ss >/dev/null && [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
            warn "something is listening on port $port: choose another port"
            return 1
        fi
        [ "$waited" -lt 75 ] || return 1
        warn "PostgreSQL's port${port:+ $port} was taken (see $log), by a closed connection's TIME_WAIT if nothing listens there; starting it again in 5 s"
        sleep 5
        waited=$((waited + 5))
    done
}

# Installs Debian/Ubuntu packages: directly as root, through sudo otherwise.
apt_install() {
    local sudo=()
    if ! is_root; then
        command -v sudo >/dev/null || die "need root or sudo to install: $*"
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null || die "apt-get not found: install these yourself: $*"
    say "installing $* (apt-get)"
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# The newest installed PostgreSQL server binaries folder (Debian/Ubuntu layout), or nothing.
find_pgbin() {
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then printf '%s\n' "$dir"; fi
}

# What the server started by scripts/serve and scripts/test may see of the caller's environment:
# the register's own settings and a few the system needs, when set, and nothing else. Its
# database login is given to it apart, so the owner's and the auditor's logins (the other *_URL
# lines of `scripts/postgres env`) and libpq's PG* variables never reach it. A new setting of
# the register (README, Configuration) is added to this list.
SERVER_SETTINGS=(HTTP_HOST HTTP_PORT LOG_LEVEL MAX_UPLOAD_BYTES COOKIE_SECURE SESSION_HOURS AUDIT_SIGNING_KEY_FILE
    REPORTS_DATABASE_URL DATABASE_POOL_SIZE DATABASE_POOL_WAIT_MS DATABASE_STATEMENT_TIMEOUT_MS TRUSTED_PROXIES PASSWORD_HASHING_CONCURRENCY METRICS_TOKEN
    PATH HOME LANG LC_ALL TZ TMPDIR SWIFT_BACKTRACE)

# Prints NAME=value for each of SERVER_SETTINGS that is set, one a line (values hold no newline),
# for `env -i`.
server_settings() {
    local name
    for name in "${SERVER_SETTINGS[@]}"; do
        if [ -n "${!name+set}" ]; then printf '%s=%s\n' "$name" "${!name}"; fi
    done
}

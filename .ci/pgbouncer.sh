#!/usr/bin/env bash
# PgBouncer (Debian's 1.18) in transaction mode in front of the machine's PostgreSQL, for the pooler
# lane: `.ci/pgbouncer.sh start|stop|status`. Every database name maps to the same server
# (`* = …`), so each test file's throwaway database is reachable through it. The pool is kept small
# (8 server connections per database) so that client connections really share server connections,
# as they do in production (spec: max 1000 clients, 25 pool size).
set -euo pipefail
PORT="${PGBOUNCER_PORT:-6432}"
UPSTREAM_PORT="${PGBOUNCER_UPSTREAM_PORT:-5432}"
POOL_SIZE="${PGBOUNCER_POOL_SIZE:-8}"
DIR="${PGBOUNCER_DIR:-/tmp/vrss-ci-pgbouncer}"

running() { [ -f "$DIR/pgbouncer.pid" ] && kill -0 "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null; }

case "${1:-start}" in
  start)
    if running; then echo "[pgbouncer] already running on $PORT"; exit 0; fi
    if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
      echo "[pgbouncer] installing Debian's pgbouncer"
      (apt-get install -y pgbouncer >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y pgbouncer >/dev/null; })
    fi
    mkdir -p "$DIR"
    echo '"postgres" ""' > "$DIR/userlist.txt"
    cat > "$DIR/pgbouncer.ini" <<INI
[databases]
; The app's timeouts, as production should set them behind PgBouncer (README, Deploying → Pooler):
; PgBouncer cannot pass them on as startup parameters, so it ignores them and sets them itself.
* = host=127.0.0.1 port=$UPSTREAM_PORT connect_query='SET statement_timeout = 5000; SET idle_in_transaction_session_timeout = 10000'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = $POOL_SIZE
; postgres.js sends these startup parameters; PgBouncer refuses unknown ones unless ignored.
ignore_startup_parameters = extra_float_digits,options,statement_timeout,idle_in_transaction_session_timeout
server_reset_query =
server_idle_timeout = 10
pidfile = $DIR/pgbouncer.pid
logfile = $DIR/pgbouncer.log
INI
    chown -R postgres:postgres "$DIR" 2>/dev/null || true
    # PgBouncer refuses to run as root.
    PGB="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
    if [ "$(id -u)" = 0 ]; then "$PGB" -d -u postgres "$DIR/pgbouncer.ini"; else "$PGB" -d "$DIR/pgbouncer.ini"; fi
    for _ in $(seq 1 50); do
      psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1 && break
      sleep 0.1
    done
    psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null
    echo "[pgbouncer] transaction mode on 127.0.0.1:$PORT → :$UPSTREAM_PORT (pool $POOL_SIZE)"
    ;;
  stop)
    if running; then kill "$(cat "$DIR/pgbouncer.pid")"; fi
    rm -rf "$DIR"
    ;;
  status)
    if running; then echo "running (pid $(cat "$DIR/pgbouncer.pid"))"; else echo "stopped"; exit 1; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# bench/cluster.sh start|stop|env — a dedicated PostgreSQL 15 cluster for `bun run bench:load`.
# Why a cluster of its own: the load bench needs pg_stat_statements (a shared_preload_libraries
# setting, i.e. a restart) and memory sized for the 1M-post data set, and it must not share
# buffers or CPU accounting with the test suite's cluster on 5432.
# Idempotent: `start` creates the cluster and the databases if missing, then prints the URL.
set -euo pipefail

VERSION=15
NAME=vrss_bench
PORT=${BENCH_PG_PORT:-5450}
CONF_DIR=/etc/postgresql/$VERSION/$NAME
URL="postgres://postgres@127.0.0.1:$PORT/vrss_bench"
SMALL_URL="postgres://postgres@127.0.0.1:$PORT/vrss_bench_small"

psql_bench() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -U postgres -h 127.0.0.1 -p "$PORT" "$@"; }

create() {
  if [ ! -d "$CONF_DIR" ]; then
    pg_createcluster "$VERSION" "$NAME" -p "$PORT" -- --auth=trust >/dev/null
  fi
  # A drop-in file so that re-running `start` rewrites the settings without touching the rest.
  # Sized for a 24 GB / 2-core machine: the 1M-post data set (~3 GB with indexes) mostly fits in
  # shared_buffers + page cache; synchronous_commit stays on because that is what production runs.
  cat >"$CONF_DIR/conf.d/90-bench.conf" <<CONF
listen_addresses = '127.0.0.1'
max_connections = 200
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.max = 10000
pg_stat_statements.track = top
# Planning is part of every request's cost: VRSS sends unnamed statements (DATABASE_PREPARE off).
pg_stat_statements.track_planning = on
shared_buffers = 2GB
effective_cache_size = 12GB
work_mem = 16MB
maintenance_work_mem = 1GB
synchronous_commit = on
max_wal_size = 8GB
checkpoint_timeout = 15min
random_page_cost = 1.1
effective_io_concurrency = 200
CONF
}

start() {
  create
  if ! pg_ctlcluster "$VERSION" "$NAME" status >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start
  else
    # Already running: pick up changed settings (shared_buffers/preload need a manual restart).
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" reload
  fi
  for _ in $(seq 1 50); do
    psql_bench -d postgres -Atc "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.2
  done
  for db in vrss_bench vrss_bench_small; do
    if [ -z "$(psql_bench -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      psql_bench -d postgres -c "CREATE DATABASE $db"
    fi
  done
  # The extension lives in the maintenance database: bench:data drops the bench databases' public
  # schema, and the view shows every database's statements anyway (load.ts filters by dbid).
  psql_bench -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
  env_
}

stop() {
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" stop || true
}

env_() {
  echo "export BENCH_DATABASE_URL=$URL"
  echo "# small data set for --quick runs:"
  echo "# export BENCH_DATABASE_URL=$SMALL_URL"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) env_ ;;
  *) echo "usage: bench/cluster.sh start|stop|env" >&2; exit 2 ;;
esac

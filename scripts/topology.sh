#!/usr/bin/env bash
# A local production topology for VRSS on a Debian machine with PostgreSQL 15 (no Docker):
#
#   primary PostgreSQL 15 cluster  vrss_primary   127.0.0.1:5440  (database vrss, migrated)
#   streaming replica              vrss_replica   127.0.0.1:5441  (slot vrss_replica_1, hot standby)
#   PgBouncer (transaction mode)                  127.0.0.1:6440  -> primary
#   Redis                                         127.0.0.1:6380  (no persistence)
#   shared S3 (s3rver)                            127.0.0.1:9440  (bucket vrss-media)
#   VRSS processes                                127.0.0.1:3101, 127.0.0.1:3102
#
#   scripts/topology.sh up       create/start whatever is missing (idempotent), print the URLs
#   scripts/topology.sh status   state of every component
#   scripts/topology.sh down     stop what `up` started, drop the two vrss_* clusters, remove the state dir
#   scripts/topology.sh restart-apps   restart only the two VRSS processes (new code or settings)
#
# State (pids, logs, configs, s3 objects) lives in TOPOLOGY_DIR (default /tmp/vrss-topology).
# TOPOLOGY_APP_DB=pooler (default) gives the VRSS processes DATABASE_URL through PgBouncer;
# TOPOLOGY_APP_DB=primary points them at the primary directly (to tell pooler problems from others).
# TOPOLOGY_REGISTER_PER_IP raises the registration limit per address (default 100000: the
# benchmark registers every account from 127.0.0.1).
# Run as root (pg_createcluster, runuser). Never touches the machine's main cluster or Redis on 6379:
# every process it stops is one whose pid it recorded and whose command line it recognises.
set -euo pipefail

PG_VERSION=15
PG_BIN=/usr/lib/postgresql/$PG_VERSION/bin
PRIMARY=vrss_primary
REPLICA=vrss_replica
PRIMARY_PORT=5440
REPLICA_PORT=5441
SLOT=vrss_replica_1
PGBOUNCER_PORT=6440
REDIS_PORT=6380
S3_PORT=9440
APP_PORTS=(3101 3102)
DB=vrss

DIR=${TOPOLOGY_DIR:-/tmp/vrss-topology}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

PRIMARY_URL="postgres://postgres@127.0.0.1:$PRIMARY_PORT/$DB"
REPLICA_URL="postgres://postgres@127.0.0.1:$REPLICA_PORT/$DB"
POOLER_URL="postgres://postgres@127.0.0.1:$PGBOUNCER_PORT/$DB"
REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
S3_URL="http://127.0.0.1:$S3_PORT"

log() { printf '\033[1m[topology]\033[0m %s\n' "$*"; }
die() { printf '[topology] error: %s\n' "$*" >&2; exit 1; }

as_postgres() { runuser -u postgres -- "$@"; }
psql_at() { # port db sql...
  local port=$1 db=$2; shift 2
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" -tA "$@"
}

cluster_exists() { pg_lsclusters -h 2>/dev/null | awk -v n="$1" '$1 == v && $2 == n { f = 1 } END { exit !f }' v=$PG_VERSION; }
cluster_online() { pg_lsclusters -h 2>/dev/null | awk -v n="$1" '$2 == n { print $4 }' | grep -q '^online'; }
cluster_datadir() { pg_lsclusters -h | awk -v n="$1" '$2 == n { print $6 }'; }

# pid_alive FILE PATTERN: the pid in FILE runs and its command line contains PATTERN (guards against
# a recycled pid belonging to someone else).
pid_alive() {
  local file=$1 pattern=$2 pid
  [[ -f $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

# stop_pid FILE PATTERN NAME: SIGTERM the recorded pid (if it is ours), wait, SIGKILL after 15 s.
stop_pid() {
  local file=$1 pattern=$2 name=$3 pid
  if ! pid_alive "$file" "$pattern"; then
    [[ -f $file ]] && log "$name: not running (stale pid file)"
    rm -f "$file"
    return 0
  fi
  pid=$(tr -dc '0-9' <"$file")
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still alive after 15 s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

wait_for() { # seconds description command...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "timed out after ${seconds}s waiting for $what"
}

# ------------------------------------------------------------------------------------------ primary
write_pg_conf() { # cluster
  local conf=/etc/postgresql/$PG_VERSION/$1/conf.d/vrss-topology.conf
  cat >"$conf" <<EOF
# Written by scripts/topology.sh (VRSS local production topology).
listen_addresses = '127.0.0.1'
max_connections = 200
max_wal_senders = 10
max_replication_slots = 10
wal_level = replica
wal_keep_size = '512MB'
hot_standby = on
hot_standby_feedback = on
# The replica reports its replay position often, so lag is measurable at sub-second resolution.
wal_receiver_status_interval = '1s'
shared_buffers = '256MB'
EOF
  chown postgres:postgres "$conf"
}

# Trust from loopback for normal and replication connections (initdb --auth=trust writes these; make sure).
ensure_hba() { # cluster
  local hba=/etc/postgresql/$PG_VERSION/$1/pg_hba.conf
  grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" ||
    echo 'host    replication     all             127.0.0.1/32            trust' >>"$hba"
  grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" ||
    echo 'host    all             all             127.0.0.1/32            trust' >>"$hba"
}

up_primary() {
  if ! cluster_exists $PRIMARY; then
    port_in_use $PRIMARY_PORT && die "port $PRIMARY_PORT is taken by something else"
    log "primary: pg_createcluster $PG_VERSION $PRIMARY -p $PRIMARY_PORT"
    pg_createcluster $PG_VERSION $PRIMARY -p $PRIMARY_PORT -- --auth=trust >/dev/null
  fi
  write_pg_conf $PRIMARY
  ensure_hba $PRIMARY
  if ! cluster_online $PRIMARY; then
    log "primary: starting"
    pg_ctlcluster --skip-systemctl-redirect $PG_VERSION $PRIMARY start
  fi
  wait_for 30 "primary to accept connections" as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p $PRIMARY_PORT
  psql_at $PRIMARY_PORT postgres -c "SELECT pg_create_physical_replication_slot('$SLOT')
    WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT')" >/dev/null
  if [[ -z $(psql_at $PRIMARY_PORT postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'") ]]; then
    log "primary: CREATE DATABASE $DB"
    psql_at $PRIMARY_PORT postgres -c "CREATE DATABASE $DB"
  fi
}

# ------------------------------------------------------------------------------------------ replica
replica_is_standby() {
  local data
  data=$(cluster_datadir $REPLICA)
  [[ -n $data && -f $data/standby.signal ]]
}

up_replica() {
  if ! cluster_exists $REPLICA; then
    port_in_use $REPLICA_PORT && die "port $REPLICA_PORT is taken by something else"
    log "replica: pg_createcluster $PG_VERSION $REPLICA -p $REPLICA_PORT"
    pg_createcluster $PG_VERSION $REPLICA -p $REPLICA_PORT -- --auth=trust >/dev/null
  fi
  write_pg_conf $REPLICA
  ensure_hba $REPLICA
  if ! replica_is_standby; then
    local data
    data=$(cluster_datadir $REPLICA)
    [[ -n $data && $data == /var/lib/postgresql/$PG_VERSION/$REPLICA ]] || die "unexpected replica data directory '$data'"
    cluster_online $REPLICA && pg_ctlcluster --skip-systemctl-redirect $PG_VERSION $REPLICA stop
    log "replica: pg_basebackup from the primary into $data (slot $SLOT)"
    find "$data" -mindepth 1 -delete
    as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D "$data" -R -S $SLOT -X stream -c fast
    chmod 700 "$data"
  fi
  if ! cluster_online $REPLICA; then
    log "replica: starting"
    pg_ctlcluster --skip-systemctl-redirect $PG_VERSION $REPLICA start
  fi
  wait_for 30 "replica to accept connections" as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p $REPLICA_PORT
  [[ $(psql_at $REPLICA_PORT postgres -c "SELECT pg_is_in_recovery()") == t ]] || die "replica is not in recovery"
  # A row written on the primary must show up on the replica.
  local token
  token="check-$(date +%s%N)"
  psql_at $PRIMARY_PORT postgres -c "SET client_min_messages = warning; CREATE TABLE IF NOT EXISTS topology_check (token text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())" >/dev/null
  psql_at $PRIMARY_PORT postgres -c "INSERT INTO topology_check (token) VALUES ('$token')" >/dev/null
  replica_has() { [[ $(psql_at $REPLICA_PORT postgres -c "SELECT count(*) FROM topology_check WHERE token = '$1'" 2>/dev/null) == 1 ]]; }
  wait_for 20 "a primary row ($token) on the replica" replica_has "$token"
  log "replica: in recovery, streaming (row $token replicated)"
}

# ------------------------------------------------------------------------------------------ migrate
migrate() {
  log "migrate: bun run db:migrate against the primary"
  (cd "$REPO" && DATABASE_URL=$PRIMARY_URL DATABASE_MIGRATE_URL=$PRIMARY_URL LOG_LEVEL=warn bun run db:migrate)
}

# ------------------------------------------------------------------------------------------ pgbouncer
up_pgbouncer() {
  local d=$DIR/pgbouncer
  mkdir -p "$d"
  cat >"$d/userlist.txt" <<'EOF'
"postgres" ""
EOF
  # postgres.js sends user, database, client_encoding and application_name (all handled by PgBouncer);
  # extra_float_digits (pgjdbc, psycopg) and options (psql -c options=...) are ignored rather than refused;
  # so are VRSS's timeouts, which PgBouncer cannot forward: connect_query sets them on each server connection.
  cat >"$d/pgbouncer.ini" <<EOF
; Written by scripts/topology.sh (VRSS local production topology).
[databases]
$DB = host=127.0.0.1 port=$PRIMARY_PORT dbname=$DB connect_query='SET statement_timeout = 5000; SET idle_in_transaction_session_timeout = 10000'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $d/userlist.txt
admin_users = postgres
stats_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 25
ignore_startup_parameters = extra_float_digits,options,statement_timeout,idle_in_transaction_session_timeout
logfile = $d/pgbouncer.log
pidfile = $d/pgbouncer.pid
EOF
  chown -R postgres:postgres "$d"
  if pid_alive "$d/pgbouncer.pid" pgbouncer; then
    log "pgbouncer: running (pid $(cat "$d/pgbouncer.pid")), reloading its configuration"
    kill -HUP "$(cat "$d/pgbouncer.pid")"
    return
  fi
  command -v pgbouncer >/dev/null || { log "pgbouncer: apt-get install -y pgbouncer"; apt-get install -y pgbouncer >/dev/null; }
  port_in_use $PGBOUNCER_PORT && die "port $PGBOUNCER_PORT is taken by something else"
  rm -f "$d/pgbouncer.pid"
  log "pgbouncer: starting on $PGBOUNCER_PORT (transaction mode)"
  # max_client_conn = 1000 needs that many file descriptors; PgBouncer refuses to run as root (-u).
  (ulimit -n 4096 && pgbouncer -d -u postgres "$d/pgbouncer.ini")
  wait_for 10 "pgbouncer" psql_at $PGBOUNCER_PORT $DB -c "SELECT 1"
}

# running NAME PIDFILE PATTERN PORT: true (and says so) when this topology's NAME already runs;
# dies when PORT is held by something else.
running() {
  if pid_alive "$2" "$3"; then
    log "$1: running (pid $(cat "$2"))"
    return 0
  fi
  port_in_use "$4" && die "port $4 is taken by something else"
  return 1
}

# ------------------------------------------------------------------------------------------ redis
up_redis() {
  local d=$DIR/redis
  mkdir -p "$d"
  running redis "$d/redis.pid" "redis-server" $REDIS_PORT && return
  log "redis: starting on $REDIS_PORT"
  redis-server --daemonize yes --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$d" --pidfile "$d/redis.pid" --logfile "$d/redis.log"
  wait_for 10 "redis" redis-cli -p $REDIS_PORT ping
}

# ------------------------------------------------------------------------------------------ s3
up_s3() {
  local d=$DIR/s3
  mkdir -p "$d/objects"
  running s3 "$d/s3.pid" "scripts/s3-server.ts" $S3_PORT && return
  log "s3: starting s3rver on $S3_PORT"
  # exec: the background job becomes bun itself, so $! is the pid to record.
  (cd "$REPO" && exec nohup bun scripts/s3-server.ts --port $S3_PORT --dir "$d/objects" --bucket vrss-media \
    </dev/null >"$d/s3.log" 2>&1) &
  echo $! >"$d/s3.pid"
  wait_for 15 "s3rver" curl -sf "$S3_URL/vrss-media"
}

# ------------------------------------------------------------------------------------------ app
# Every process gets the same PUBLIC_APP_URL (the first one stands in for a load balancer) and the
# same S3_PUBLIC_URL: links and stored media URLs must not depend on which process made them.
app_env() { # port
  cat <<EOF
PORT=$1
HOST=127.0.0.1
NODE_ENV=production
LOG_LEVEL=warn
CURSOR_SECRET=topology-shared-cursor-secret-0123456789abcdef
TOTP_ENCRYPTION_KEY=746f706f6c6f67792073686172656420746f7470206b6579202d2074657374ff
DATABASE_URL=$([[ ${TOPOLOGY_APP_DB:-pooler} == primary ]] && echo "$PRIMARY_URL" || echo "$POOLER_URL")
DATABASE_MIGRATE_URL=$PRIMARY_URL
DATABASE_READ_URL=$REPLICA_URL
DATABASE_POOL_MAX=10
DATABASE_PREPARE=false
MIGRATE_ON_START=false
REDIS_URL=$REDIS_URL
S3_ENDPOINT=$S3_URL
S3_BUCKET=vrss-media
S3_REGION=us-east-1
S3_ACCESS_KEY_ID=S3RVER
S3_SECRET_ACCESS_KEY=S3RVER
S3_PUBLIC_URL=$S3_URL/vrss-media
PUBLIC_APP_URL=http://127.0.0.1:${APP_PORTS[0]}
RATE_LIMIT_REGISTER_PER_IP=${TOPOLOGY_REGISTER_PER_IP:-100000}
EOF
}

up_apps() {
  local port d
  for port in "${APP_PORTS[@]}"; do
    d=$DIR/app-$port
    mkdir -p "$d"
    app_env "$port" >"$d/env"
    running "vrss :$port" "$d/app.pid" "src/index.ts" "$port" && continue
    log "vrss :$port starting (bun src/index.ts)"
    # env -i: only the variables above (plus PATH/HOME), nothing inherited from the caller's shell.
    # shellcheck disable=SC2046 # one NAME=value word per line of $d/env, none contains spaces
    (cd "$REPO" && exec nohup env -i PATH="$PATH" HOME="${HOME:-/root}" DATA_DIR="$d/data" $(cat "$d/env") \
      bun src/index.ts </dev/null >"$d/app.log" 2>&1) &
    echo $! >"$d/app.pid"
  done
  for port in "${APP_PORTS[@]}"; do
    ready() { [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/ready") == 200 ]]; }
    if ! (for _ in $(seq 1 300); do ready "$port" && exit 0; pid_alive "$DIR/app-$port/app.pid" src/index.ts || exit 1; sleep 0.2; done; exit 1); then
      tail -n 30 "$DIR/app-$port/app.log" >&2 || true
      die "vrss :$port did not answer GET /ready with 200"
    fi
    log "vrss :$port ready"
  done
}

print_urls() {
  cat <<EOF

VRSS local production topology (state in $DIR)
  app                       http://127.0.0.1:${APP_PORTS[0]}/api/rpc   http://127.0.0.1:${APP_PORTS[1]}/api/rpc
                            DATABASE_URL=$(grep '^DATABASE_URL=' "$DIR/app-${APP_PORTS[0]}/env" | cut -d= -f2-)
  primary (direct)          $PRIMARY_URL
  replica (hot standby)     $REPLICA_URL
  pgbouncer (transaction)   $POOLER_URL     admin: psql -h 127.0.0.1 -p $PGBOUNCER_PORT -U postgres pgbouncer
  redis                     $REDIS_URL
  s3 (s3rver)               $S3_URL/vrss-media   (key S3RVER / S3RVER)
  logs                      $DIR/app-*/app.log  $DIR/pgbouncer/pgbouncer.log  $DIR/redis/redis.log  $DIR/s3/s3.log
                            /var/log/postgresql/postgresql-$PG_VERSION-{$PRIMARY,$REPLICA}.log
  bench                     bun bench/scale-out.ts --targets http://127.0.0.1:${APP_PORTS[0]},http://127.0.0.1:${APP_PORTS[1]} \\
                              --database $PRIMARY_URL --replica $REPLICA_URL
EOF
}

# ------------------------------------------------------------------------------------------ commands
cmd_up() {
  [[ $EUID -eq 0 ]] || die "run as root (pg_createcluster, runuser)"
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  up_primary
  up_replica
  migrate
  up_pgbouncer
  up_redis
  up_s3
  up_apps
  print_urls
}

cmd_down() {
  local port
  for port in "${APP_PORTS[@]}"; do stop_pid "$DIR/app-$port/app.pid" src/index.ts "vrss :$port"; done
  stop_pid "$DIR/s3/s3.pid" scripts/s3-server.ts s3
  stop_pid "$DIR/redis/redis.pid" redis-server redis
  stop_pid "$DIR/pgbouncer/pgbouncer.pid" pgbouncer pgbouncer
  local c
  for c in $REPLICA $PRIMARY; do
    if cluster_exists $c; then
      cluster_online $c && { log "$c: stopping"; pg_ctlcluster --skip-systemctl-redirect $PG_VERSION $c stop -m fast; }
      log "$c: pg_dropcluster"
      pg_dropcluster $PG_VERSION $c
    fi
    # pg_dropcluster leaves files it did not create (our conf.d snippet) and so the directory.
    rm -f "/etc/postgresql/$PG_VERSION/$c/conf.d/vrss-topology.conf"
    rmdir "/etc/postgresql/$PG_VERSION/$c/conf.d" "/etc/postgresql/$PG_VERSION/$c" 2>/dev/null || true
  done
  if [[ -d $DIR ]]; then
    log "removing $DIR"
    rm -rf "$DIR"
  fi
}

state() { if "$@"; then echo up; else echo down; fi; }

cmd_status() {
  local c port
  for c in $PRIMARY $REPLICA; do
    if ! cluster_exists $c; then
      printf '%-22s %s\n' "$c" "absent"
    elif ! cluster_online $c; then
      printf '%-22s %s\n' "$c" "down"
    else
      local port_c recovery extra=""
      port_c=$([[ $c == "$PRIMARY" ]] && echo $PRIMARY_PORT || echo $REPLICA_PORT)
      recovery=$(psql_at "$port_c" postgres -c "SELECT pg_is_in_recovery()" 2>/dev/null || echo "?")
      if [[ $c == "$PRIMARY" ]]; then
        extra=$(psql_at $PRIMARY_PORT postgres -c "SELECT string_agg(application_name || ' ' || state || ' replay_lag=' || coalesce(replay_lag::text, '0'), ', ') FROM pg_stat_replication" 2>/dev/null || true)
        extra="replicas: ${extra:-none}"
      else
        extra=$(psql_at $REPLICA_PORT postgres -c "SELECT 'replay paused=' || pg_is_wal_replay_paused() || ' last replay ' || coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())::numeric, 1)::text || ' s ago', 'never')" 2>/dev/null || true)
      fi
      printf '%-22s up  :%s  in_recovery=%s  %s\n' "$c" "$port_c" "$recovery" "$extra"
    fi
  done
  printf '%-22s %s\n' "pgbouncer :$PGBOUNCER_PORT" "$(state pid_alive "$DIR/pgbouncer/pgbouncer.pid" pgbouncer)"
  printf '%-22s %s\n' "redis :$REDIS_PORT" "$(state pid_alive "$DIR/redis/redis.pid" redis-server)"
  printf '%-22s %s\n' "s3 :$S3_PORT" "$(state pid_alive "$DIR/s3/s3.pid" scripts/s3-server.ts)"
  for port in "${APP_PORTS[@]}"; do
    local s ready
    s=$(state pid_alive "$DIR/app-$port/app.pid" src/index.ts)
    ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/ready" 2>/dev/null || true)
    printf '%-22s %s  (GET /ready -> %s)\n' "vrss :$port" "$s" "${ready:-no answer}"
  done
}

# Restart only the VRSS processes (new code or new TOPOLOGY_* settings), the rest keeps running.
cmd_restart_apps() {
  local port
  for port in "${APP_PORTS[@]}"; do stop_pid "$DIR/app-$port/app.pid" src/index.ts "vrss :$port"; done
  up_apps
}

case ${1:-} in
  up) cmd_up ;;
  restart-apps) cmd_restart_apps ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status|restart-apps   (state dir: \$TOPOLOGY_DIR, default /tmp/vrss-topology)" >&2; exit 2 ;;
esac

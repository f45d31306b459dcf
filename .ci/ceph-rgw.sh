#!/usr/bin/env bash
# A throwaway single-node Ceph 16 (Debian bookworm) with a RADOS Gateway on 127.0.0.1 for tests:
# a real S3 that checks SigV4 signatures, presigned-URL expiry, signed headers, POST policies and
# bucket CORS (see .ci/ceph-check.ts for what it does and does not enforce).
#
#   .ci/ceph-rgw.sh start    # idempotent: installs radosgw/ceph-mon/ceph-osd if missing, brings up
#                            # 1 mon + 1 memstore OSD + radosgw, a user and the bucket vrss-media;
#                            # a running, answering gateway is left alone. CEPH_CHECK=1 also runs
#                            # .ci/ceph-check.ts (the strictness table).
#   .ci/ceph-rgw.sh stop     # kills only the daemons whose pidfiles are in the state dir, removes it
#   .ci/ceph-rgw.sh status   # exit 0 when RGW answers on its port, 1 otherwise
#   .ci/ceph-rgw.sh env      # prints the TEST_S3_* exports: eval "$(.ci/ceph-rgw.sh env)"
#
# Everything (config, mon store, OSD dir, pidfiles, sockets, logs) lives in CEPH_DIR
# (default /tmp/vrss-ceph); nothing under /etc/ceph or /var/lib/ceph is used. Objects are kept in
# the OSD's RAM (memstore): stop (or a reboot) loses them. Daemons run as root.
# Ports: RGW CEPH_RGW_PORT (7480), monitor msgr2 CEPH_MON_PORT (3300), the OSD 6800-6899.
set -euo pipefail

DIR="${CEPH_DIR:-/tmp/vrss-ceph}"
RGW_PORT="${CEPH_RGW_PORT:-7480}"
MON_PORT="${CEPH_MON_PORT:-3300}"
OSD_PORT_MIN="${CEPH_OSD_PORT_MIN:-6800}"
OSD_PORT_MAX="${CEPH_OSD_PORT_MAX:-6899}"
HOST=127.0.0.1
BUCKET="${CEPH_BUCKET:-vrss-media}"
ACCESS_KEY="${CEPH_ACCESS_KEY:-vrss-ci-access}"
SECRET_KEY="${CEPH_SECRET_KEY:-vrss-ci-secret-key-0123456789}"
REGION=us-east-1
RGW_NAME=client.rgw.vrss
CONF="$DIR/ceph.conf"
ENDPOINT="http://$HOST:$RGW_PORT"
HERE="$(cd "$(dirname "$0")" && pwd)"
export PATH="$HOME/.bun/bin:/usr/local/bin:/usr/sbin:/sbin:$PATH"

log() { echo "[ceph-rgw] $*"; }
die() { echo "[ceph-rgw] $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

install() {
  local missing=0 c
  for c in ceph ceph-mon ceph-osd radosgw radosgw-admin monmaptool; do
    command -v "$c" >/dev/null 2>&1 || missing=1
  done
  [ "$missing" = 0 ] && return 0
  local t0 pkgs=(radosgw ceph-mon ceph-osd)
  t0="$(now)"
  log "installing ${pkgs[*]} (Debian packages, ~270 MB)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${pkgs[@]}" >"${TMPDIR:-/tmp}/vrss-ceph-apt.log" 2>&1; then
    log "apt-get install failed; apt-get update and retry"
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends "${pkgs[@]}" >"${TMPDIR:-/tmp}/vrss-ceph-apt.log" 2>&1 \
      || { tail -20 "${TMPDIR:-/tmp}/vrss-ceph-apt.log" >&2; die "apt-get install ${pkgs[*]} failed"; }
  fi
  log "installed in $(since "$t0") s"
}

# A pid from our pidfile that is alive (not a zombie) and really one of our daemons.
our_pid() { # our_pid <pidfile> -> prints pid
  local f="$1" pid state
  [ -s "$f" ] || return 1
  pid="$(tr -dc 0-9 <"$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state="$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [ "$state" != Z ] && [ "$state" != X ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$CONF" || return 1
  echo "$pid"
}

pidfiles() { ls "$DIR"/run/*.pid 2>/dev/null || true; }

rgw_answers() { curl -sf -m 2 "$ENDPOINT/" 2>/dev/null | grep -q ListAllMyBucketsResult; }

bucket_env() {
  TEST_S3_ENDPOINT="$ENDPOINT" TEST_S3_BUCKET="$BUCKET" TEST_S3_ACCESS_KEY_ID="$ACCESS_KEY" \
    TEST_S3_SECRET_ACCESS_KEY="$SECRET_KEY" TEST_S3_REGION="$REGION" "$@"
}

# RGW answers anonymously and our signed request (HeadBucket / CreateBucket) works.
healthy() {
  local f
  rgw_answers || return 1
  for f in mon.a osd.0 "$RGW_NAME"; do our_pid "$DIR/run/$f.pid" >/dev/null || return 1; done
  bucket_env bun "$HERE/ceph-bucket.ts" --quiet >/dev/null 2>&1
}

alive_count() {
  local f n=0
  for f in $(pidfiles); do our_pid "$f" >/dev/null && n=$((n + 1)); done
  echo "$n"
}

# In order: the gateway (SIGTERM; it exits in ~0.3 s while the OSD is there to unwatch from), the
# OSD (SIGKILL: its clean shutdown, memstore writing its objects out then waiting on the monitor,
# takes ~5 s for state that is thrown away), the monitor (SIGTERM). Whatever is left after 2 s
# gets SIGKILL.
signal_one() { # signal_one <pidfile> <signal>
  local pid
  pid="$(our_pid "$1")" && kill "-$2" "$pid" 2>/dev/null || true
}
wait_gone() { # wait_gone <pidfile> <tenths of a second>
  local i
  for i in $(seq 1 "$2"); do our_pid "$1" >/dev/null || return 0; sleep 0.1; done
  return 1
}
stop_daemons() {
  [ "$(alive_count)" = 0 ] && return 0
  local rgw="$DIR/run/$RGW_NAME.pid" osd="$DIR/run/osd.0.pid" mon="$DIR/run/mon.a.pid" f
  signal_one "$rgw" TERM
  wait_gone "$rgw" 20 || signal_one "$rgw" KILL
  signal_one "$osd" KILL
  signal_one "$mon" TERM
  for f in $(pidfiles); do wait_gone "$f" 20 || signal_one "$f" KILL; done
  for f in $(pidfiles); do
    wait_gone "$f" 50 || die "$(basename "$f" .pid) (pid $(cat "$f")) still alive after SIGKILL"
  done
}

# rm -rf the state dir, but only one this script made (or an empty one): CEPH_DIR=/tmp must not
# wipe /tmp.
remove_dir() {
  [ -e "$DIR" ] || return 0
  case "$DIR" in /|/tmp|/tmp/|/var|/var/tmp|"$HOME"|.|..) die "refusing to remove CEPH_DIR=$DIR" ;; esac
  if [ -f "$CONF" ] && head -n1 "$CONF" | grep -q '^# Generated by .ci/ceph-rgw.sh'; then
    rm -rf "$DIR"
  elif [ -d "$DIR" ] && [ -z "$(ls -A "$DIR")" ]; then
    rmdir "$DIR"
  else
    die "$DIR exists but was not made by this script; not removing it (set CEPH_DIR)"
  fi
}

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

write_conf() {
  local fsid="$1"
  cat >"$CONF" <<EOF
# Generated by .ci/ceph-rgw.sh — single node, no auth, everything under $DIR.
[global]
fsid = $fsid
mon_host = v2:$HOST:$MON_PORT
mon_initial_members = a
public_addr = $HOST
cluster_addr = $HOST
ms_bind_ipv4 = true
ms_bind_ipv6 = false
ms_bind_port_min = $OSD_PORT_MIN
ms_bind_port_max = $OSD_PORT_MAX
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
# radosgw defaults to ms_mon_client_mode = secure, which needs cephx: without this it loops on
# "get_initial_auth_request returned -13" and never answers.
ms_mon_client_mode = crc
keyring = $DIR/keyring
run_dir = $DIR/run
admin_socket = $DIR/run/\$cluster-\$name.asok
pid_file = $DIR/run/\$name.pid
log_file = $DIR/log/\$cluster-\$name.log
mon_cluster_log_file = $DIR/log/\$cluster.log
log_to_stderr = false
err_to_stderr = false
crash_dir = $DIR/crash
exec_dir = $DIR/run
mon_data = $DIR/mon/\$cluster-\$id
osd_data = $DIR/osd/\$cluster-\$id
# Objects in RAM; the size is only what the OSD reports as capacity (it is not allocated).
osd_objectstore = memstore
memstore_device_bytes = 4294967296
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
# Each osdmap change (RGW creates ~6 pools) waits one paxos round: 1 s by default.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01
mon_tick_interval = 1
objecter_tick_interval = 1
# The monitor warns below 30 % free disk and shuts down below 5 %; its store here is ~40 MB.
mon_data_avail_warn = 2
mon_data_avail_crit = 1
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_warn_on_insecure_global_id_reclaim = false
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1

[$RGW_NAME]
rgw_frontends = beast endpoint=$HOST:$RGW_PORT
rgw_data = $DIR/rgw
rgw_thread_pool_size = 64
rgw_dynamic_resharding = false
rgw_enable_usage_log = false
EOF
}

run_check() {
  if [ "${CEPH_CHECK:-0}" = 1 ]; then
    bucket_env bun "$HERE/ceph-check.ts" || die "ceph-check: RGW did not behave as a strict S3 (table above)"
  fi
  return 0
}

start() {
  install
  command -v bun >/dev/null 2>&1 || die "bun not found"
  if healthy; then
    log "already up: $ENDPOINT (bucket $BUCKET)"
    run_check
    return 0
  fi
  local t0 c="-c $CONF"
  t0="$(now)"
  # Anything half-made (a daemon up, RGW not answering) is ours: start over from scratch.
  stop_daemons
  remove_dir
  local p
  for p in "$MON_PORT" "$RGW_PORT"; do
    port_free "$p" || die "port $p is already in use (not by a daemon of $DIR); set CEPH_MON_PORT / CEPH_RGW_PORT"
  done
  mkdir -p "$DIR"/{run,log,mon,osd/ceph-0,rgw,crash}
  local fsid uuid id
  fsid="$(cat /proc/sys/kernel/random/uuid)"
  uuid="$(cat /proc/sys/kernel/random/uuid)"
  write_conf "$fsid"

  # Monitor.
  monmaptool --create --fsid "$fsid" --addv a "[v2:$HOST:$MON_PORT]" "$DIR/monmap" >/dev/null
  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-mon $c --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" >>"$DIR/log/mkfs.log" 2>&1 \
    || { cat "$DIR/log/mkfs.log" >&2; die "ceph-mon --mkfs failed"; }
  ceph-mon $c -i a --setuser root --setgroup root >>"$DIR/log/daemons.log" 2>&1 \
    || { tail -20 "$DIR/log/ceph-mon.a.log" >&2; die "ceph-mon did not start"; }

  # OSD 0, registered under the uuid it is made with.
  id="$(ceph $c --connect-timeout 20 osd new "$uuid" 2>>"$DIR/log/daemons.log")" \
    || { tail -20 "$DIR/log/ceph-mon.a.log" >&2; die "ceph osd new failed"; }
  [ "$id" = 0 ] || die "ceph osd new gave id '$id', expected 0"
  ceph-osd $c -i 0 --mkfs --osd-uuid "$uuid" >>"$DIR/log/mkfs.log" 2>&1 \
    || { cat "$DIR/log/mkfs.log" >&2; die "ceph-osd --mkfs failed"; }
  ceph-osd $c -i 0 --setuser root --setgroup root >>"$DIR/log/daemons.log" 2>&1 \
    || { tail -20 "$DIR/log/ceph-osd.0.log" >&2; die "ceph-osd did not start"; }
  # RGW only after the OSD is up: a RADOS op sent before that waits for the client's next
  # objecter tick to be resent (5 s by default), which is what made some starts take 7 s.
  local i
  for i in $(seq 1 300); do
    grep -q 'state: booting -> active' "$DIR/log/ceph-osd.0.log" 2>/dev/null && break
    [ "$i" = 300 ] && { tail -20 "$DIR/log/ceph-osd.0.log" >&2; die "osd.0 did not come up within 30 s"; }
    sleep 0.1
  done
  radosgw $c -n "$RGW_NAME" --setuser root --setgroup root >>"$DIR/log/daemons.log" 2>&1 \
    || { tail -20 "$DIR/log/ceph-$RGW_NAME.log" >&2; die "radosgw did not start"; }

  # RGW answers once it has made its realm/zone and pools, which needs the OSD up.
  local ok=0
  for i in $(seq 1 600); do
    if rgw_answers; then ok=1; break; fi
    # radosgw gone (its log says why)?
    if [ "$i" -gt 20 ] && ! our_pid "$DIR/run/$RGW_NAME.pid" >/dev/null; then break; fi
    sleep 0.1
  done
  if [ "$ok" = 0 ]; then
    tail -30 "$DIR/log/ceph-$RGW_NAME.log" >&2 || true
    die "RGW did not answer on $ENDPOINT within 60 s; logs in $DIR/log"
  fi

  # The S3 user (radosgw-admin talks to RADOS directly, not to the gateway).
  if ! radosgw-admin $c user info --uid=vrss >/dev/null 2>&1; then
    radosgw-admin $c user create --uid=vrss --display-name=VRSS \
      --access-key="$ACCESS_KEY" --secret="$SECRET_KEY" >"$DIR/log/user.json" 2>>"$DIR/log/daemons.log" \
      || die "radosgw-admin user create failed"
  fi
  # The bucket, through a signed request (retried while RGW settles), plus one put/delete so the
  # data pool exists before the first test.
  bucket_env bun "$HERE/ceph-bucket.ts" || die "creating bucket $BUCKET failed"
  log "up: $ENDPOINT bucket $BUCKET in $(since "$t0") s (state in $DIR)"
  run_check
}

stop() {
  stop_daemons
  remove_dir
  log "stopped"
}

status() {
  local f pid pids=()
  for f in $(pidfiles); do
    pid="$(our_pid "$f")" && pids+=("$(basename "$f" .pid)=$pid")
  done
  if rgw_answers; then
    log "RGW answers on $ENDPOINT (${pids[*]:-no daemons of $DIR})"
    return 0
  fi
  log "RGW does not answer on $ENDPOINT (${pids[*]:-no daemons of $DIR running})"
  return 1
}

print_env() {
  cat <<EOF
export TEST_S3_ENDPOINT=$ENDPOINT
export TEST_S3_BUCKET=$BUCKET
export TEST_S3_ACCESS_KEY_ID=$ACCESS_KEY
export TEST_S3_SECRET_ACCESS_KEY=$SECRET_KEY
export TEST_S3_REGION=$REGION
EOF
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac

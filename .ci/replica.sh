#!/usr/bin/env bash
# A streaming replica of the machine's PostgreSQL, for the read-replica lane:
# `.ci/replica.sh start|stop|status`. Cluster `vrss_ci_replica` on port 5433, made with
# pg_basebackup -R from the main cluster through a physical replication slot. The main cluster
# gets one pg_hba line (replication from 127.0.0.1, trust, as its other lines) if it lacks one.
set -euo pipefail
VERSION="$(ls /etc/postgresql | head -n1)"
NAME=vrss_ci_replica
PORT="${REPLICA_PORT:-5433}"
PRIMARY_PORT="${REPLICA_PRIMARY_PORT:-5432}"
SLOT=vrss_ci_replica
PSQL=(psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atq)

exists() { pg_lsclusters -h 2>/dev/null | awk '{print $2}' | grep -qx "$NAME"; }
online() { pg_lsclusters -h 2>/dev/null | awk -v n="$NAME" '$2 == n {print $4}' | grep -q '^online'; }

case "${1:-start}" in
  start)
    if exists && online && [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ]; then
      echo "[replica] already streaming on $PORT"; exit 0
    fi
    exists && pg_dropcluster --stop "$VERSION" "$NAME"
    HBA="$("${PSQL[@]}" -c 'SHOW hba_file')"
    if ! grep -Eq '^host\s+replication\s+all\s+127\.0\.0\.1/32\s+trust' "$HBA"; then
      echo "host replication all 127.0.0.1/32 trust" >> "$HBA"
      "${PSQL[@]}" -c 'SELECT pg_reload_conf()' >/dev/null
    fi
    "${PSQL[@]}" -c "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
    "${PSQL[@]}" -c "SELECT pg_create_physical_replication_slot('$SLOT') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '$SLOT')" >/dev/null
    pg_createcluster "$VERSION" "$NAME" -p "$PORT" -- --auth=trust >/dev/null
    DATA="/var/lib/postgresql/$VERSION/$NAME"
    find "$DATA" -mindepth 1 -delete  # pg_basebackup wants it empty (postgres may not create it)
    runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$DATA" -R -S "$SLOT" -X stream
    # hot_standby_feedback: long reads on the replica are not cancelled by the primary's vacuum.
    printf "hot_standby_feedback = on\nlisten_addresses = '127.0.0.1'\n" >> "/etc/postgresql/$VERSION/$NAME/postgresql.conf"
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start
    for _ in $(seq 1 50); do
      [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atqc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] && break
      sleep 0.2
    done
    [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -Atqc 'SELECT pg_is_in_recovery()')" = t ]
    echo "[replica] streaming replica of :$PRIMARY_PORT on 127.0.0.1:$PORT (slot $SLOT)"
    ;;
  stop)
    exists && pg_dropcluster --stop "$VERSION" "$NAME"
    "${PSQL[@]}" -c "SELECT pg_drop_replication_slot('$SLOT') FROM pg_replication_slots WHERE slot_name = '$SLOT'" >/dev/null 2>&1 || true
    ;;
  status)
    if exists && online; then echo "online"; else echo "stopped"; exit 1; fi
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

#!/bin/bash
# docker-compose.yml mounts this into the primary's /docker-entrypoint-initdb.d: it runs once, when
# the data volume is first initialised. A replication role, the physical slot the replica streams
# from (WAL is kept for it while it is away), and pg_hba access for replication connections (the
# image's own pg_hba line, `host all all all`, does not cover the replication pseudo-database).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD:-replicator-secret}';
SELECT pg_create_physical_replication_slot('vrss_replica_1');
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"

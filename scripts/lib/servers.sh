# Starts and stops the real servers the tests talk to, on loopback, in a
# temporary directory. Source this file, then call start_servers / stop_servers.
# Exports:
#   DBX_TEST_PG_URL       postgresql://postgres@127.0.0.1:$PGPORT/postgres (superuser)
#   DBX_TEST_PG_BIN       the PostgreSQL 15 bin directory
#   DBX_TEST_S3_ENDPOINT  http://127.0.0.1:$MOTOPORT (moto: S3, STS, KMS, IAM)
#   DBX_TEST_TMP          scratch directory, removed by stop_servers

: "${DBX_TEST_PG_PORT:=55432}"
: "${DBX_TEST_MOTO_PORT:=55391}"
DBX_TEST_PG_BIN=/usr/lib/postgresql/15/bin

start_servers() {
  DBX_TEST_TMP=$(mktemp -d /tmp/dbexport-test.XXXXXX)
  export DBX_TEST_TMP DBX_TEST_PG_BIN
  chown postgres "$DBX_TEST_TMP" 2>/dev/null || true

  # PostgreSQL 15, trust auth on loopback; run as the postgres user when root.
  local pgdata="$DBX_TEST_TMP/pg"
  local as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$DBX_TEST_PG_BIN/initdb" -D "$pgdata" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DBX_TEST_TMP/initdb.log" 2>&1 \
    || { cat "$DBX_TEST_TMP/initdb.log"; return 1; }
  cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $DBX_TEST_PG_PORT
unix_socket_directories = '$DBX_TEST_TMP'
max_connections = 200
shared_buffers = 256MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  "${as_pg[@]}" "$DBX_TEST_PG_BIN/pg_ctl" -D "$pgdata" -l "$DBX_TEST_TMP/pg.log" -w start >/dev/null \
    || { cat "$DBX_TEST_TMP/pg.log"; return 1; }
  export DBX_TEST_PG_URL="postgresql://postgres@127.0.0.1:$DBX_TEST_PG_PORT/postgres"

  # moto_server: S3, STS, KMS and IAM in one process.
  moto_server -H 127.0.0.1 -p "$DBX_TEST_MOTO_PORT" >"$DBX_TEST_TMP/moto.log" 2>&1 &
  echo $! >"$DBX_TEST_TMP/moto.pid"
  export DBX_TEST_S3_ENDPOINT="http://127.0.0.1:$DBX_TEST_MOTO_PORT"
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null "$DBX_TEST_S3_ENDPOINT/moto-api/" && break
    sleep 0.2
  done
  curl -s -o /dev/null "$DBX_TEST_S3_ENDPOINT/moto-api/" || { cat "$DBX_TEST_TMP/moto.log"; return 1; }
}

stop_servers() {
  [ -n "${DBX_TEST_TMP:-}" ] && [ -d "$DBX_TEST_TMP" ] || return 0
  local as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$DBX_TEST_PG_BIN/pg_ctl" -D "$DBX_TEST_TMP/pg" -m immediate stop >/dev/null 2>&1 || true
  if [ -f "$DBX_TEST_TMP/moto.pid" ]; then kill "$(cat "$DBX_TEST_TMP/moto.pid")" 2>/dev/null || true; fi
  rm -rf "$DBX_TEST_TMP"
}

# Starts and stops the real servers the tests talk to, on loopback, in a
# temporary directory. Source this file, then call start_servers / stop_servers.
# Exports:
#   DBX_TEST_PG_URL       postgresql://postgres@127.0.0.1:$PGPORT/postgres (superuser)
#   DBX_TEST_PG_BIN       the PostgreSQL 15 bin directory
#   DBX_TEST_S3_ENDPOINT  http://127.0.0.1:$MOTOPORT (moto: S3, STS, KMS, IAM)
#   DBX_TEST_MYSQL_URL    mysql://root@127.0.0.1:$MYSQLPORT (MariaDB 10.11, binary log on)
#   DBX_TEST_TMP          scratch directory, removed by stop_servers

: "${DBX_TEST_PG_PORT:=55432}"
: "${DBX_TEST_MOTO_PORT:=55391}"
: "${DBX_TEST_MYSQL_PORT:=55306}"
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

  start_mariadb
}

# MariaDB from Debian's mariadb-server, its own data directory, loopback
# only, the binary log on (the no-lock snapshot mode proves its snapshots by
# binlog position), root reachable over TCP without a password.
start_mariadb() {
  local dir="$DBX_TEST_TMP/mariadb"
  mkdir -p "$dir"
  local as_user=()
  if [ "$(id -u)" = 0 ]; then as_user=(--user=root); fi
  mariadb-install-db --no-defaults "${as_user[@]}" --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log"; return 1; }
  mariadbd --no-defaults "${as_user[@]}" --datadir="$dir/data" --socket="$dir/mysql.sock" \
    --port="$DBX_TEST_MYSQL_PORT" --bind-address=127.0.0.1 --pid-file="$dir/mariadb.pid" \
    --log-error="$dir/error.log" --log-bin="$dir/data/binlog" --server-id=1 --binlog-format=ROW \
    --skip-name-resolve --innodb-buffer-pool-size=256M --max-connections=300 \
    --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 >/dev/null 2>&1 &
  local i
  for i in $(seq 1 150); do
    mariadb --no-defaults --socket="$dir/mysql.sock" -uroot -e "SELECT 1" >/dev/null 2>&1 && break
    sleep 0.2
  done
  mariadb --no-defaults --socket="$dir/mysql.sock" -uroot -e \
    "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" \
    || { cat "$dir/error.log"; return 1; }
  export DBX_TEST_MYSQL_URL="mysql://root@127.0.0.1:$DBX_TEST_MYSQL_PORT"
  export DBX_TEST_MYSQL_SOCKET="$dir/mysql.sock"
}

stop_servers() {
  [ -n "${DBX_TEST_TMP:-}" ] && [ -d "$DBX_TEST_TMP" ] || return 0
  local as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$DBX_TEST_PG_BIN/pg_ctl" -D "$DBX_TEST_TMP/pg" -m immediate stop >/dev/null 2>&1 || true
  if [ -f "$DBX_TEST_TMP/moto.pid" ]; then kill "$(cat "$DBX_TEST_TMP/moto.pid")" 2>/dev/null || true; fi
  if [ -f "$DBX_TEST_TMP/mariadb/mariadb.pid" ]; then
    local pid
    pid=$(cat "$DBX_TEST_TMP/mariadb/mariadb.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$DBX_TEST_TMP"
}

#!/usr/bin/env bash
# A throwaway PostgreSQL for tests: its own cluster in a temporary directory, on 127.0.0.1 and a
# free port, fsync and synchronous_commit on (the settings the log refuses to run without).
#
#   eval "$(.ci/postgres.sh start [DIR])"   # exports ROTA_TEST_POSTGRES_URL, _DIR and _BIN
#   .ci/postgres.sh stop DIR                # stops the server by the pid it recorded, removes DIR
#   .ci/postgres.sh crash DIR               # pg_ctl stop -m immediate: a crash, recovery at next start
#   .ci/postgres.sh restart DIR             # starts the server of DIR again, on the same port
#
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user and every
# server command runs through runuser. The crash test calls this script too, for a cluster of its
# own that it can stop with `pg_ctl stop -m immediate` without disturbing the other test files.
set -euo pipefail

bin_dir() {
  if [[ -n "${ROTA_PG_BIN:-}" ]]; then echo "$ROTA_PG_BIN"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -z "$found" ]]; then echo "postgres.sh: no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)" >&2; exit 1; fi
  echo "$found"
}

# Runs a server command as the cluster's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# Starts the cluster in $1 on port $2 (the settings every start of it uses).
launch() {
  as_owner "$(bin_dir)/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $2 -k $1 -c fsync=on -c synchronous_commit=on -c max_connections=200" \
    start >/dev/null
}

start() {
  local bin dir port
  bin=$(bin_dir)
  dir=${1:-$(mktemp -d /tmp/rota-pg-XXXXXX)}
  mkdir -p "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # A port can be taken between choosing and binding it: try a few.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if launch "$dir" "$port"; then
      echo "$port" >"$dir/port"
      echo "export ROTA_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
      echo "export ROTA_TEST_POSTGRES_DIR=$dir"
      echo "export ROTA_TEST_POSTGRES_BIN=$bin"
      return
    fi
  done
  cat "$dir/server.log" >&2
  exit 1
}

stop() {
  local dir=${1:?usage: postgres.sh stop DIR}
  local pid_file="$dir/data/postmaster.pid"
  if [[ -f "$pid_file" ]]; then
    local pid
    pid=$(head -n 1 "$pid_file")
    # SIGINT is PostgreSQL's fast shutdown; wait (bounded) for the postmaster to go.
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -rf "$dir"
}

crash() {
  local dir=${1:?usage: postgres.sh crash DIR}
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null
}

restart() {
  local dir=${1:?usage: postgres.sh restart DIR}
  launch "$dir" "$(cat "$dir/port")"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  crash) shift; crash "$@" ;;
  restart) shift; restart "$@" ;;
  *) echo "usage: $0 start [DIR] | stop DIR | crash DIR | restart DIR" >&2; exit 2 ;;
esac

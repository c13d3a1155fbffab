#!/usr/bin/env bash
# A throwaway Redis for tests: its own redis-server in a temporary directory, on 127.0.0.1 and a free
# port, no persistence (the bus is never a store of record: Rota repairs from the log whatever Redis lost).
#
#   eval "$(.ci/redis.sh start [DIR])"   # exports ROTA_TEST_REDIS_URL, _DIR and _PID
#   .ci/redis.sh stop DIR                # stops the server by the pid it recorded, removes DIR
#   .ci/redis.sh restart DIR             # stops it (by pid) and starts it again on the same port
#   .ci/redis.sh down DIR / up DIR       # stops it (by pid), keeping DIR / starts it again on the same port
#
# The bus tests that restart Redis call this script for a server of their own, so that the shared one
# (ROTA_TEST_REDIS_URL) keeps serving the other test files.
set -euo pipefail

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# Starts the server of $1 on port $2 and waits (bounded) until it answers.
launch() {
  redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$1" --pidfile "$1/redis.pid" --logfile "$1/redis.log" >/dev/null || return 1
  for _ in $(seq 1 100); do
    if [[ "$(redis-cli -h 127.0.0.1 -p "$2" ping 2>/dev/null || true)" == PONG ]] && [[ -s "$1/redis.pid" ]]; then return 0; fi
    sleep 0.05
  done
  return 1
}

# Stops the server of $1 by the pid it recorded (SIGTERM, then SIGKILL after a bounded wait).
halt() {
  local pid_file="$1/redis.pid"
  [[ -s "$pid_file" ]] || return 0
  local pid
  pid=$(cat "$pid_file")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$pid_file"
}

start() {
  command -v redis-server >/dev/null || { echo "redis.sh: no redis-server (apt-get install redis-server)" >&2; exit 1; }
  local dir port
  dir=${1:-$(mktemp -d /tmp/rota-redis-XXXXXX)}
  mkdir -p "$dir"
  # A port can be taken between choosing and binding it: try a few.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if launch "$dir" "$port"; then
      echo "$port" >"$dir/port"
      echo "export ROTA_TEST_REDIS_URL=redis://127.0.0.1:$port"
      echo "export ROTA_TEST_REDIS_DIR=$dir"
      echo "export ROTA_TEST_REDIS_PID=$(cat "$dir/redis.pid")"
      return
    fi
    halt "$dir"
  done
  cat "$dir/redis.log" >&2 || true
  exit 1
}

stop() {
  local dir=${1:?usage: redis.sh stop DIR}
  halt "$dir"
  rm -rf "$dir"
}

restart() {
  local dir=${1:?usage: redis.sh restart DIR}
  halt "$dir"
  launch "$dir" "$(cat "$dir/port")"
  echo "export ROTA_TEST_REDIS_PID=$(cat "$dir/redis.pid")"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  restart) shift; restart "$@" ;;
  down) shift; halt "${1:?usage: redis.sh down DIR}" ;;
  up) shift; launch "${1:?usage: redis.sh up DIR}" "$(cat "$1/port")" ;;
  *) echo "usage: $0 start [DIR] | stop DIR | restart DIR | down DIR | up DIR" >&2; exit 2 ;;
esac

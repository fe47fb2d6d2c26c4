#!/usr/bin/env bash
# A throw-away PostgreSQL cluster (Debian's postgresql + postgis) for the tests and CI: initdb into a folder of its
# own, owned by an unprivileged user (the `postgres` account Debian's package creates when run as root, else the
# caller), listening only on a unix socket in that folder, fsync off (nothing in it needs to survive a crash), with
# the postgis extension created in database `txip`.
#
#   scripts/pg_throwaway.sh start DIR   # prints the store URL: postgresql://postgres@/txip?host=DIR&port=PORT
#   scripts/pg_throwaway.sh stop DIR    # stops the cluster and removes DIR
#
# Collation C (byte order, as SQLite's BINARY): ORDER BY on text gives the same order on both backends.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?folder}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL not installed: apt-get install postgresql postgis" >&2; exit 1; }
as_owner() {  # from / : the caller's folder (a clone under /root) may be closed to that user
  if [ "$(id -u)" = "0" ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; echo "(as root: DIR and the folders above it must be open to postgres)" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
      "-k $dir -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
       -c max_connections=300 -c shared_buffers=64MB" start >/dev/null
    as_owner "$bin/createdb" -h "$dir" -p "$port" -U postgres txip
    as_owner "$bin/psql" -q -h "$dir" -p "$port" -U postgres -d txip -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
    echo "postgresql://postgres@/txip?host=$dir&port=$port"
    ;;
  stop)
    if [ -d "$dir/data" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

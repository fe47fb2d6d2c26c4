#!/usr/bin/env bash
# The suite on PostgreSQL (issue #21): `pytest --db-backend=postgresql`, which starts a throw-away cluster
# (scripts/pg_throwaway.sh, as the unprivileged `postgres` user when run as root) and stops it at the end; every store
# a test opens is then a schema of its own on that server. As root, installs Debian's postgresql and postgis when
# missing (without Debian's default cluster: only the throw-away one runs).
#
# Which tests: with TXIP_PG_FILES=FILE (scripts/test.sh), the test files listed there, one per line: those that
# opened a store while the SQLite phase ran them (tests/conftest.py, TXIP_TEST_STORE_TRACE). Without it, the whole
# suite. Both leave out the tests marked browser or load (a server and a browser or 20 clients, timed: they run once,
# on SQLite). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = "0" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/txip-no-main.conf
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql postgis >/dev/null
fi
files=()
if [ -n "${TXIP_PG_FILES:-}" ]; then
  [ -s "$TXIP_PG_FILES" ] || { echo "test_pg.sh: $TXIP_PG_FILES lists no test file (did the SQLite phase run?)" >&2; exit 1; }
  while read -r f; do
    [ -f "$f" ] && files+=("$f")
  done < <(sort -u "$TXIP_PG_FILES")
  echo "test_pg.sh: ${#files[@]} test files opened a store on SQLite; running them on PostgreSQL" >&2
fi
# Two workers, one file each at a time, when pytest-xdist is installed (requirements-dev.txt).
par=()
if .venv/bin/python -c "import xdist" 2>/dev/null; then par=(-n "${TXIP_TEST_WORKERS:-2}" --dist loadfile); fi
exec .venv/bin/python -m pytest --db-backend=postgresql "${par[@]}" -m "not (browser or load)" "${files[@]}" "$@"

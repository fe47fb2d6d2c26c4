#!/usr/bin/env bash
# The PostgreSQL part of the tests (issue #21): the test files listed in tests/postgresql_files.txt, run with
# `pytest --db-backend=postgresql`, which starts a throw-away cluster (scripts/pg_throwaway.sh, as the unprivileged
# `postgres` user when run as root) and stops it at the end. As root, installs Debian's postgresql and postgis when
# missing (without Debian's default cluster: only the throw-away one runs). Only the listed files: the whole suite
# takes ~17 min on SQLite and CI time is bounded. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = "0" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/txip-no-main.conf
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql postgis >/dev/null
fi
list=tests/postgresql_files.txt
files=()
while read -r f; do
  [ -f "$f" ] || { echo "test_pg.sh: $list names $f, which does not exist" >&2; exit 1; }
  files+=("$f")
done < <(grep -v '^\s*#' "$list" | grep -v '^\s*$')
[ "${#files[@]}" -gt 0 ] || { echo "test_pg.sh: no test files in $list" >&2; exit 1; }
# Two workers, one file each at a time, when pytest-xdist is installed (requirements-dev.txt).
par=()
if .venv/bin/python -c "import xdist" 2>/dev/null; then par=(-n 2 --dist loadfile); fi
exec .venv/bin/python -m pytest --db-backend=postgresql "${par[@]}" "${files[@]}" "$@"

#!/usr/bin/env bash
# The PostgreSQL part of the tests (issue #21): the test files listed in tests/postgresql_files.txt, run with
# `pytest --db-backend=postgresql`, which starts a throw-away cluster (scripts/pg_throwaway.sh, as the unprivileged
# `postgres` user when run as root) and stops it at the end. As root, installs Debian's postgresql and postgis when
# missing. Only the listed files for now: the whole suite takes ~17 min on SQLite and CI time is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = "0" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql postgis >/dev/null
fi
mapfile -t files < <(grep -v '^\s*#' tests/postgresql_files.txt | grep -v '^\s*$')
exec .venv/bin/python -m pytest --db-backend=postgresql "${files[@]}" "$@"

#!/usr/bin/env bash
# Install everything the tests need (Python packages; as root also Debian's chromium and a CJK font), lint (ruff) and
# run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = "0" ] && { [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi" \
    || [ ! -x /usr/bin/pdftoppm ] || [ ! -x /usr/bin/soffice ] || [ ! -x /usr/sbin/nginx ]; }; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # poppler-utils: pdftoppm renders the PDF exports in tests/test_staticmap.py; libreoffice-writer-nogui turns the
  # Word 自评报告 into a PDF in tests/test_report_docx.py (skipped where a LibreOffice is installed already); nginx: the
  # reverse proxy of tests/test_multi_process.py (it runs a private nginx of its own, never the system service)
  pkgs="chromium fonts-wqy-microhei fontconfig poppler-utils nginx"
  [ -x /usr/bin/soffice ] || pkgs="$pkgs libreoffice-writer-nogui"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi
bash scripts/setup.sh --dev
# Lint first (rules and the complexity bound in pyproject.toml): a finding fails the run before the tests start.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Tests named on the command line (a file, a node id, -k/-m): run as asked, in one process.
for a in "$@"; do
  case "$a" in -q | -qq | -v | -vv | -rs | -ra | -x | --tb=*) ;; *) exec .venv/bin/python -m pytest "$@" ;; esac
done
# The whole suite in three phases. 1) Everything that holds no time bound, over both cores: pytest-xdist, one worker
# per core, whole files to a worker (--dist loadfile) so a file's module fixtures are built once. The CI-size
# benchmark run (marker benchmark) is here too: it records its timings and bounds none of them. It also lists the
# test files that open a store (tests/conftest.py, TXIP_TEST_STORE_TRACE). 2) The tests whose bounds assume the
# machine to themselves (browser, load: a server and a browser or 20 clients), alone. 3) Every test file that opened
# a store in phase 1, again on a throw-away PostgreSQL cluster (issue #21; scripts/test_pg.sh, as root it installs
# postgresql + postgis). Without root and without PostgreSQL: said, not run. Phase 3 does not run beside phase 2, even
# at nice 19: pg_ctl starts the cluster in a session of its own, and with the kernel's autogroup scheduling a
# session's CPU share does not follow its processes' nice values (tried: in a CI run beside it, the load test's goals
# p95 went from ~6 s to 32.7 s).
PHASE2="browser or load"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# --durations: the slowest tests of each phase in the log, to keep the suite's wall time in view.
TXIP_TEST_STORE_TRACE="$work/stores.txt" \
  .venv/bin/python -m pytest -n "${TXIP_TEST_WORKERS:-2}" --dist loadfile --durations=25 -m "not ($PHASE2)" "$@"
.venv/bin/python -m pytest -p no:xdist --durations=25 -m "$PHASE2" "$@"
if [ "$(id -u)" = "0" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  TXIP_PG_FILES="$work/stores.txt" bash scripts/test_pg.sh --durations=25 "$@"
else
  echo "test.sh: PostgreSQL not installed (Debian: postgresql postgis) and not root: the PostgreSQL pass was not run" >&2
fi

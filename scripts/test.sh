#!/usr/bin/env bash
# Install everything the tests need (Python packages; as root also Debian's chromium and a CJK font), lint (ruff) and
# run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = "0" ] && { [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi" \
    || [ ! -x /usr/bin/pdftoppm ]; }; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # poppler-utils: pdftoppm renders the PDF exports in tests/test_staticmap.py
  apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei fontconfig poppler-utils >/dev/null
fi
bash scripts/setup.sh --dev
# Lint first (rules and the complexity bound in pyproject.toml): a finding fails the run before the tests start.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Install everything the tests need (Python packages; as root also Debian's chromium and a CJK font), lint (ruff) and
# run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = "0" ] && { [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi" \
    || [ ! -x /usr/bin/pdftoppm ] || [ ! -x /usr/bin/soffice ]; }; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # poppler-utils: pdftoppm renders the PDF exports in tests/test_staticmap.py; libreoffice-writer-nogui turns the
  # Word 自评报告 into a PDF in tests/test_report_docx.py (skipped where a LibreOffice is installed already)
  pkgs="chromium fonts-wqy-microhei fontconfig poppler-utils"
  [ -x /usr/bin/soffice ] || pkgs="$pkgs libreoffice-writer-nogui"
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi
bash scripts/setup.sh --dev
# Lint first (rules and the complexity bound in pyproject.toml): a finding fails the run before the tests start.
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"

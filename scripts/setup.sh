#!/usr/bin/env bash
# Create .venv and install the Python packages (idempotent). Usage: bash scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "${1:-}" = "--dev" ]; then
  .venv/bin/python -m pip install -q -r requirements-dev.txt
else
  .venv/bin/python -m pip install -q -r requirements.txt
fi
# The package itself (pyproject.toml), editable: the checkout is what runs. --no-deps: requirements.txt pinned them.
.venv/bin/python -m pip install -q --no-deps -e .

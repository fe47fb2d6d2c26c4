#!/usr/bin/env bash
# Set up, load the bundled (fictional) sample data and start the app on http://localhost:8501 with the
# background-import worker beside it (python -m txip_geo worker: runs the imports queued on the 数据 page).
# The worker is this shell's child and is told so (--parent $$); `exec` then turns this shell into streamlit, so
# the worker's parent is the app: when the app stops, however it stops (Ctrl-C, kill, kill -9), the kernel stops
# the worker (PR_SET_PDEATHSIG), which rolls back an unfinished import and marks its job failed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m txip_geo demo
.venv/bin/python -m txip_geo worker --parent $$ &
exec .venv/bin/streamlit run app.py "$@"

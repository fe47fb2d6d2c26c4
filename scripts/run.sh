#!/usr/bin/env bash
# Set up, load the bundled (fictional) sample data and start the app on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m txip_geo demo
exec .venv/bin/streamlit run app.py "$@"

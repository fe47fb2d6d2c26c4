#!/usr/bin/env bash
# N app processes on one store behind nginx (docs/deploy.md, "Several app processes"):
#
#   TXIP_DB=/srv/txip/txip.sqlite bash scripts/run_multi.sh 2
#
# starts N Streamlit processes on 127.0.0.1:BASE_PORT .. BASE_PORT+N-1 (TXIP_BASE_PORT, default 8501), one background
# import worker (python -m txip_geo worker: the imports queued from any process's 数据 page or `import --background`)
# and, unless TXIP_PROXY_PORT=0, a private nginx on 127.0.0.1:TXIP_PROXY_PORT (default 8080) from
# deploy/nginx-txip.conf with one upstream line per process. That nginx is no system service: its prefix, pid file,
# logs and temporary files are in a folder of its own (TXIP_NGINX_DIR, default a new temporary folder), it runs in the
# foreground as this user. On a server whose nginx is the system's, set TXIP_PROXY_PORT=0 and install
# deploy/nginx-txip.conf there instead.
#
# It does not set up or load anything (no setup.sh, no demo): it serves the store TXIP_DB names, as production does.
# Every child is started with the kernel's parent-death signal (setpriv --pdeathsig), so none outlives this script
# however it ends (Ctrl-C, kill, kill -9); when one child stops, the others are stopped and the script exits.
# Extra arguments after N go to every `streamlit run`. TXIP_PYTHON names the Python (default .venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-2}"
shift || true
case "$n" in '' | *[!0-9]* | 0) echo "usage: $0 N [streamlit args...]  (N >= 1 app processes)" >&2; exit 2 ;; esac
py="${TXIP_PYTHON:-.venv/bin/python}"
base="${TXIP_BASE_PORT:-8501}"
proxy="${TXIP_PROXY_PORT:-8080}"
nginx="${TXIP_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

pids=()
stop() {
  trap - EXIT INT TERM
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# A child that gets SIGTERM from the kernel when this script's process is gone (also on kill -9).
child() { setpriv --pdeathsig TERM -- "$@" & pids+=($!); }

if [ "$proxy" != "0" ]; then
  if [ ! -x "$nginx" ]; then
    echo "nginx not found (apt-get install nginx), or set TXIP_PROXY_PORT=0 to start the app processes alone" >&2
    exit 2
  fi
  dir="${TXIP_NGINX_DIR:-$(mktemp -d -t txip-nginx.XXXXXX)}"
  mkdir -p "$dir/logs" "$dir/tmp"
  # As root, nginx would run its worker as `nobody`, who cannot enter a private temporary folder: it runs as this
  # user, as the master does (it listens on a loopback port only). A system nginx keeps its own `user` setting.
  user=""
  [ "$(id -u)" = "0" ] && user="user root root;"
  # The repo's site file with this run's upstream lines and listen port.
  awk -v n="$n" -v base="$base" -v port="$proxy" '
    /^upstream txip_app/ { print; up = 1; next }
    up && /^[[:space:]]*server 127\.0\.0\.1:/ {
      if (!done) for (i = 0; i < n; i++) printf "    server 127.0.0.1:%d max_fails=1 fail_timeout=10s;\n", base + i
      done = 1; next
    }
    up && /^}/ { up = 0 }
    /^[[:space:]]*listen / { sub(/listen [^;]*;/, "listen 127.0.0.1:" port ";") }
    { print }
  ' deploy/nginx-txip.conf >"$dir/txip.conf"
  cat >"$dir/nginx.conf" <<EOF
# Written by scripts/run_multi.sh: a private nginx (no system service) for deploy/nginx-txip.conf.
daemon off;
$user
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log $dir/logs/access.log;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/txip.conf;
}
EOF
  "$nginx" -t -q -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
fi

child "$py" -m txip_geo worker --parent $$
for ((i = 0; i < n; i++)); do
  child "$py" -m streamlit run app.py --server.address 127.0.0.1 --server.port $((base + i)) \
    --server.headless true --server.fileWatcherType none "$@"
done
if [ "$proxy" != "0" ]; then
  child "$nginx" -p "$dir" -c "$dir/nginx.conf" -e "$dir/logs/error.log"
  echo "txip-geo: $n app processes on 127.0.0.1:$base-$((base + n - 1)), worker, nginx on http://127.0.0.1:$proxy/" \
    "(config and logs: $dir)"
fi
# One child gone (crashed or stopped): stop the rest (the EXIT trap) and report its status.
set +e
wait -n
exit $?

#!/usr/bin/env bash
# Serves a folder with nginx on 127.0.0.1:PORT in the foreground, with its own pid, logs and
# temporary files under WORKDIR. Usage: scripts/nginx-serve.sh ROOT PORT WORKDIR
set -euo pipefail
root=$(realpath "$1")
port=$2
work=$(realpath -m "$3")
mkdir -p "$work/logs" "$work/tmp"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root root;"  # nginx's workers would drop to nobody
cat > "$work/nginx.conf" <<CONF
$user_line
daemon off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $work/tmp;
  proxy_temp_path $work/tmp;
  fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp;
  scgi_temp_path $work/tmp;
  types { text/html html; application/xml xml; text/markdown md; application/json json; }
  default_type text/plain;
  server {
    listen 127.0.0.1:$port;
    root $root;
  }
}
CONF
exec nginx -c "$work/nginx.conf" -p "$work"

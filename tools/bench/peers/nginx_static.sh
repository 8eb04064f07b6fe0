# Sourced by tools/bench/peers/nginx.sh and tools/bench/http_bench.sh (its Markdown mode): the
# HTTP ceiling's setup in one place — a 200-byte JSON file and an nginx.conf serving it.
#
# nginx_static_setup DIR PORT → DIR/www/p.json (200 bytes) and DIR/nginx/nginx.conf
# (worker_processes auto, access log off, keep-alive, 127.0.0.1:PORT, daemon off).
# Start it with: nginx -c DIR/nginx/nginx.conf -p DIR/nginx -e DIR/nginx/error.log
nginx_static_setup() {
  local dir=$1 port=$2
  mkdir -p "$dir/www" "$dir/nginx"
  chmod 755 "$dir" "$dir/www"  # nginx workers run unprivileged
  "${PYTHON:-python3}" -c 'import json,sys; d={"data":{"id":"prod-001","name":"Espresso Cups","price":2499,"pad":""}}; s=json.dumps(d); d["data"]["pad"]="x"*(200-len(s)); open(sys.argv[1],"w").write(json.dumps(d))' "$dir/www/p.json"
  [ "$(stat -c %s "$dir/www/p.json")" = 200 ] || { echo "the JSON file is not 200 bytes" >&2; return 1; }
  cat > "$dir/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/body; proxy_temp_path $dir/nginx/proxy;
  fastcgi_temp_path $dir/nginx/fcgi; uwsgi_temp_path $dir/nginx/uwsgi; scgi_temp_path $dir/nginx/scgi;
  keepalive_requests 100000000;
  server { listen 127.0.0.1:$port; root $dir/www; default_type application/json; }
}
NGINX
}

# nginx.sh — sourced by the benchmarks: nginx answering `return 200` on a loopback port.
# nginx_start DIR PORT WORKERS: starts it (config and logs under DIR) and waits until it
# listens; sets NGINX_PID, which the caller stops. Keeps connections alive for as long as a
# benchmark runs.
nginx_start() {
	local dir=$1 port=$2 workers=$3
	# Debian's package starts a system nginx on port 80 when installed: stop it again
	if ! command -v nginx >/dev/null; then
		as_root apt-get install -y -qq nginx >/dev/null
		as_root systemctl stop nginx 2>/dev/null || as_root service nginx stop 2>/dev/null || true
	fi
	mkdir -p "$dir/logs"
	cat >"$dir/nginx.conf" <<CONF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	server { listen 127.0.0.1:$port; location / { return 200 "ok\n"; } }
}
CONF
	nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
	NGINX_PID=$!
	local i
	for i in $(seq 100); do
		(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "nginx did not start on 127.0.0.1:$port; see $dir/logs/error.log" >&2
	return 1
}

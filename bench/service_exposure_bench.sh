#!/usr/bin/env bash
# Times the service_exposure probes over 20 TLS listeners beside sslscan
# scanning the same 20 ports, in one run, inside a private network namespace
# (only the bench's own servers exist there). The listeners: one nginx with
# 10 ports configured weak (TLS 1.0-1.2, every suite at security level 0,
# 1024-bit DH, no headers) and 10 hardened (TLS 1.2-1.3, headers). mamori
# probes each fully (versions, DHE, weak suites, certificate, GET / and the
# six admin paths); sslscan runs once per port, one after the other, as an
# operator would. Also the agent's peak RSS: the family alone, and every
# family (the normal collection). Prints a Markdown table of medians; the
# figures go to docs/performance.md. Not a test.
#
# Usage: bench/service_exposure_bench.sh [BUILD_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
RUNS=${2:-3}
AGENT="$(pwd)/$BUILD/agent/mamori-agent"
[[ -x "$AGENT" ]] || { echo "service_exposure_bench: $AGENT not built" >&2; exit 2; }
for p in nginx sslscan openssl /usr/bin/time unshare; do
  command -v "$p" >/dev/null || { echo "service_exposure_bench: $p missing (scripts/bootstrap.sh)" >&2; exit 2; }
done

if [[ -z "${MAMORI_IN_NETNS:-}" ]]; then
  exec env MAMORI_IN_NETNS=1 unshare --net bash "$0" "$@"
fi
ip link set lo up

tmp=$(mktemp -d)
nginx_pid=
cleanup() {
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=bench.test" \
  -keyout "$tmp/k.pem" -out "$tmp/c.pem" 2>/dev/null
openssl dhparam -dsaparam -out "$tmp/dh.pem" 1024 2>/dev/null
servers=""
ports=()
for i in $(seq 0 9); do
  ports+=($((20000 + i)) $((21000 + i)))
  servers+="
  server { listen 127.0.0.1:$((20000 + i)) ssl; server_tokens on;
    ssl_certificate $tmp/c.pem; ssl_certificate_key $tmp/k.pem;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers 'ALL:@SECLEVEL=0';
    ssl_dhparam $tmp/dh.pem; location / { return 200 'weak'; } }
  server { listen 127.0.0.1:$((21000 + i)) ssl; server_tokens off;
    ssl_certificate $tmp/c.pem; ssl_certificate_key $tmp/k.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    add_header Strict-Transport-Security 'max-age=31536000' always;
    add_header Content-Security-Policy \"frame-ancestors 'none'\" always;
    add_header X-Content-Type-Options nosniff always;
    add_header Referrer-Policy no-referrer always;
    location / { return 200 'hardened'; } }"
done
mkdir -p "$tmp/ngx"
cat >"$tmp/ngx/nginx.conf" <<EOF
daemon off; worker_processes 1; pid $tmp/ngx/nginx.pid; error_log $tmp/ngx/error.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $tmp/ngx/b; proxy_temp_path $tmp/ngx/p;
  fastcgi_temp_path $tmp/ngx/f; uwsgi_temp_path $tmp/ngx/u; scgi_temp_path $tmp/ngx/s;
$servers
}
EOF
nginx -p "$tmp/ngx" -c "$tmp/ngx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 1 100); do
  [[ $(ss -ltn | grep -c ':2[01]00[0-9] ') -ge 20 ]] && break
  sleep 0.05
done

# Runs "$@" under GNU time; prints "wall_s cpu_s maxrss_kib".
measure() {
  /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>/dev/null || true
  awk '{printf "%.3f %.3f %d\n", $1, $2 + $3, $4}' "$tmp/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# Every family as once/run collect them: warm state directory (the updates
# family's pending-updates cache valid), the probe cache removed before each
# run so the probes really run.
mkdir -p "$tmp/state"
"$AGENT" facts --format json --state "$tmp/state" >/dev/null 2>&1 || true

declare -A wall cpu rss
for _ in $(seq 1 "$RUNS"); do
  read -r w c m < <(measure "$AGENT" facts --family system --format json)
  wall[base]+="$w "; cpu[base]+="$c "; rss[base]+="$m "
  read -r w c m < <(measure "$AGENT" facts --family service_exposure --format json)
  wall[mamori]+="$w "; cpu[mamori]+="$c "; rss[mamori]+="$m "
  probed=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["service_exposure"]["services"]; print(sum(1 for x in s if x.get("probe_state")=="ok"), len(s))' "$tmp/out")
  read -r w c m < <(measure env ports="${ports[*]}" bash -c 'for p in $ports; do sslscan --no-colour "127.0.0.1:$p" >/dev/null 2>&1 || true; done')
  wall[sslscan]+="$w "; cpu[sslscan]+="$c "; rss[sslscan]+="$m "
  rm -f "$tmp/state/service-exposure.json"
  read -r w c m < <(measure "$AGENT" facts --format json --state "$tmp/state")
  wall[all]+="$w "; cpu[all]+="$c "; rss[all]+="$m "
  read -r w c m < <(measure "$AGENT" facts --format json --state "$tmp/state")
  wall[cached]+="$w "; cpu[cached]+="$c "; rss[cached]+="$m "
done

med() { tr ' ' '\n' <<<"$1" | grep . | median; }
mw=$(med "${wall[mamori]}"); mc=$(med "${cpu[mamori]}")
sw=$(med "${wall[sslscan]}"); sc=$(med "${cpu[sslscan]}")
echo "20 TLS listeners (10 weak, 10 hardened nginx ports), $RUNS runs, medians; probed ok: $probed"
echo
echo "| run | wall s | CPU s (user+sys) | peak RSS MiB | wall vs sslscan | CPU vs sslscan |"
echo "|---|---|---|---|---|---|"
for k in mamori sslscan base all cached; do
  w=$(med "${wall[$k]}"); c=$(med "${cpu[$k]}"); m=$(med "${rss[$k]}")
  label=$k
  [[ $k == mamori ]] && label="mamori-agent facts --family service_exposure"
  [[ $k == sslscan ]] && label="sslscan, each port in turn"
  [[ $k == base ]] && label="mamori-agent facts --family system (baseline)"
  [[ $k == all ]] && label="mamori-agent facts, every family, warm state, probes run"
  [[ $k == cached ]] && label="mamori-agent facts, every family, probes from the daily cache"
  printf '| %s | %s | %s | %.1f | %s | %s |\n' "$label" "$w" "$c" "$(echo "$m / 1024" | bc -l)" \
    "$(echo "scale=3; $w / $sw" | bc)" "$(echo "scale=3; $c / $sc" | bc)"
done
echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

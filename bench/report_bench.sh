#!/usr/bin/env bash
# The report and evidence pack at size (#15), each beside a peer measured in
# the same run: the PDF of a 300-host organisation beside the HTML of the
# same model; the evidence pack of 10,000 hosts (streamed) beside `zip -r`
# of the same files unpacked on disk (time and peak RSS via /usr/bin/time).
#
# Usage: bench/report_bench.sh BUILD_DIR [HOSTS_PDF] [HOSTS_PACK]
set -euo pipefail
BUILD=$1
PDF_HOSTS=${2:-300}
PACK_HOSTS=${3:-10000}
BENCH=$BUILD/collector/report/report_bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$BENCH" pdf "$PDF_HOSTS"
/usr/bin/time -f "pack_wall_s=%e pack_max_rss_kib=%M" "$BENCH" pack "$PACK_HOSTS" "$tmp/pack.zip"
echo "pack_bytes=$(stat -c %s "$tmp/pack.zip")"
mkdir "$tmp/files"
(cd "$tmp/files" && unzip -q "$tmp/pack.zip")
(cd "$tmp/files" && /usr/bin/time -f "zip_wall_s=%e zip_max_rss_kib=%M" zip -q -r -X "$tmp/peer.zip" .)
echo "zip_bytes=$(stat -c %s "$tmp/peer.zip")"

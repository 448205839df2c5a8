-- wrk script for bench/console_bench.sh: every request carries the API
-- token (Authorization: Bearer, from MAMORI_TOKEN), each connection waits
-- PACE_MS between its requests (0: back to back), and the summary is one
-- line the bench script parses: latency percentiles in ms, requests,
-- non-2xx answers and socket errors.
local token = os.getenv("MAMORI_TOKEN") or ""
local pace = tonumber(os.getenv("PACE_MS") or "0")

wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept-Language"] = "ja"

function delay()
  return pace
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk_result p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "requests=%d rps=%.1f non2xx=%d socket_errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, summary.requests,
    summary.requests / (summary.duration / 1e6), e.status,
    e.connect + e.read + e.write + e.timeout))
end

#!/usr/bin/env bash
# Stream throughput: `collect` over 200,000 SSE events from the demo server against a bare
# AsyncHTTPClient loop that reads and splits the same stream; then the gaps measured against a
# server that sends an event every 10 ms (their p50 should be 10 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rehearse-bench >/dev/null
.build/release/rehearse-bench stream "$@"

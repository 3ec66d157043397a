#!/usr/bin/env bash
# Run throughput: `rehearse run` over 2,000 GET cases against a raw AsyncHTTPClient loop with the
# same concurrency, and peak memory for 10,000 cases; the demo server runs in the bench process.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rehearse >/dev/null
swift build -c release --product rehearse-bench >/dev/null
.build/release/rehearse-bench run "$@"

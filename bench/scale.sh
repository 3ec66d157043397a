#!/usr/bin/env bash
# Scale: 10,000 cases in 500 plans with dependency chains, 20 ms per request, --jobs 64; every
# result accounted for, peak memory, and wall time against the critical-path bound.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rehearse >/dev/null
swift build -c release --product rehearse-bench >/dev/null
.build/release/rehearse-bench scale "$@"

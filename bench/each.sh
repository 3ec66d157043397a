#!/usr/bin/env bash
# `each` at scale: one case over a 10,000-row CSV. Lint time against the same suite with a
# one-row CSV measured in the same run; peak memory of the run against the demo server.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rehearse >/dev/null
swift build -c release --product rehearse-bench >/dev/null
.build/release/rehearse-bench each "$@"

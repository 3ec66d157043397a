#!/usr/bin/env bash
# Lint throughput: 1,000 generated plans x 20 cases against libyaml's bare event parse.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rehearse >/dev/null
swift build -c release --product rehearse-bench >/dev/null
.build/release/rehearse-bench lint "$@"

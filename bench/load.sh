#!/usr/bin/env bash
# Load path: a `load:` case (closed model at concurrency 16, open model at its highest sustained
# rate) against nginx (or the demo server) beside wrk at the same connections (or a bare swift-nio
# loop without wrk); the open model's rate accuracy at 1,000/s for 10 s; memory with 10 million
# recorded requests and over a long open-model run. `apt-get install -y wrk nginx-light` first
# for the figures of docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rehearse >/dev/null
swift build -c release --product rehearse-bench >/dev/null
.build/release/rehearse-bench load "$@"

#!/usr/bin/env bash
# Our LatencyHistogram beside HdrHistogram/hdrhistogram-swift 0.2.0 (from the package mirror), both
# compiled with -O into one program: nanoseconds per recorded value over 10 million values and the
# time of one p99.9 lookup. Their text-output functions are cut (they do not compile without
# swift-numerics' overloads and are not under test); `Numerics.pow/log2` are shimmed with Foundation's.
set -euo pipefail
cd "$(dirname "$0")/.."
mirror=${HDR_MIRROR:-/opt/swift-packages/HdrHistogram/hdrhistogram-swift.git}
work=$(mktemp -d)
git -C "$mirror" show 0.2.0:Sources/Histogram/Histogram.swift | sed 's/^import Numerics$//' > "$work/Theirs.swift"
# Drop outputPercentileDistribution and the TextOutputStreamable conformance that calls it.
python3 - "$work/Theirs.swift" <<'PY'
import re, sys
p = sys.argv[1]; s = open(p).read()
start = s.index("    public func outputPercentileDistribution(")
end = s.index("\n    }\n", start) + len("\n    }\n")
s = s[:start] + s[end:]
start = s.index("extension Histogram: TextOutputStreamable {")
end = s.index("\n}\n", start) + len("\n}\n")
s = s[:start] + s[end:]
open(p, "w").write(s)
PY
cp Sources/RehearseResults/LatencyHistogram.swift "$work/Ours.swift"
cp bench/hdrhistogram/Shim.swift bench/hdrhistogram/main.swift "$work/"
swiftc -O -module-name HistogramBench "$work"/Theirs.swift "$work"/Shim.swift "$work"/Ours.swift "$work"/main.swift -o "$work/compare"
"$work/compare"
rm -rf "$work"

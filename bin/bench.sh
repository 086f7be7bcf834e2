#!/usr/bin/env bash
# Builds a release binary and prints the foundation's figures: frame encode/decode rate, bytes per event
# frame, the time to validate a large group, and peak memory. Usage: bin/bench.sh [events]
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
dpkg -s libsystemd-dev >/dev/null 2>&1 || missing+=(libsystemd-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
swift build -c release --product zti-bench
.build/release/zti-bench "${1:-100000}"

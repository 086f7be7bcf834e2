#!/usr/bin/env bash
# Builds release binaries and prints the benchmark figures (they are reported, not gates):
#  - the foundation: EVENT frames encoded/decoded per second, bytes per frame, validating groups of 5,000 and
#    100,000 users (the target for 100,000 is under 5 s);
#  - the uploader: events/s sent over its socket, committed to the SQLite spool in batches, then acked;
#    webhook requests/s to the fake CRM with keep-alive, and commit-to-arrival latency p50/p99 at 100 and
#    1,000 events/s;
#  - AMI: a generated stream (default 200 MiB) of the family-12 transcripts with dialplan floods, cut into the
#    same random 1 B-16 KiB chunks for every parser: messages/s and MB/s fully parsed (like-for-like),
#    with floods dropped at the Event: line, and parse + track; then the same bytes and chunks through
#    panoramisk (installed from PyPI into .build-venv), and the ratio;
#  - the whole system (zti-bench system): the release `ztisup run` between in-process AMI simulators and an
#    in-process fake CRM, every latency from the simulator's write of a PBX event to the CRM's receipt: p50/p99 at
#    100 and 1,000 events/s, the most events/s sustained with nothing dropped, RSS/PSS/private memory of every
#    process with 10 groups of 100 extensions and 1,000 calls up, a worker's SIGKILL to its PBX link up again, and
#    an Avaya group's end-to-end latency under the AES simulator's load, and a worker's RSS before, at the peak
#    and 5 s after hostile AMI input (a 2 MB header line, 100,000 headers, 6 MB and 8 MB messages);
#  - DMCC (zti-bench dmcc): generated call-control events in 4 KiB reads, split, parsed and decoded, then tracked.
# Usage: bin/bench.sh [AMI-MEGABYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes="${1:-200}"

missing=()
dpkg -s libsystemd-dev >/dev/null 2>&1 || missing+=(libsystemd-dev)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

swift build -c release --product zti-bench
swift build -c release --product ztisup
.build/release/zti-bench 100000
.build/release/zti-bench intake 50000
.build/release/zti-bench delivery
.build/release/zti-bench system .build/release
.build/release/zti-bench dmcc 50000

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
.build/release/zti-bench ami "$megabytes" Tests/ZTIAsteriskTests/Transcripts "$work" 2> "$work/swift.txt"

if [ ! -x .build-venv/bin/python ]; then
    python3 -m venv .build-venv
    .build-venv/bin/pip install -q panoramisk==1.4
fi
.build-venv/bin/python Benchmarks/peers/panoramisk_parse.py "$work/ami-stream.bin" "$work/ami-chunks.bin" 2> "$work/peer.txt"

ours=$(sed -n 's/^like-for-like messages\/s: //p' "$work/swift.txt")
peer=$(sed -n 's/^peer-messages-per-second: //p' "$work/peer.txt")
python3 - "$ours" "$peer" <<'PY'
import sys
ours, peer = float(sys.argv[1]), float(sys.argv[2])
print("ratio, every message fully parsed: %.1fx panoramisk's messages/s (target 20x)" % (ours / peer))
PY

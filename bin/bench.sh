#!/usr/bin/env bash
# Builds release binaries and prints the benchmark figures: first one table (figure, value, target, ratio; a ratio of
# 1 or more meets the target), then one machine-readable line per figure (`figure <key> <value>`), then the details.
# Every throughput and latency figure is the median of 3 runs, printed with its spread (lowest–highest); memory and
# the rest of the system figures are measured once. The figures are reported, not gates: the machines are shared.
#
#  - frames: EVENT frames encoded and decoded per second (canonical JSON written and read by hand);
#  - ami: a generated stream (default 200 MiB) of the family-12 transcripts with dialplan floods, cut into the same
#    random 1 B-16 KiB chunks for every parser: messages/s with every header located (name and value boundaries
#    known, any header retrievable by name, case-insensitively; not a String per value), the same with every message
#    turned into a dictionary of strings (panoramisk's shape), floods dropped at the Event: line, parse + track, the
#    tracker alone; then the same bytes and chunks through panoramisk 1.4 (from PyPI into .build-venv), and the ratio;
#  - dmcc: generated call-control events in 4 KiB reads, split, parsed, decoded, then tracked;
#  - intake: events/s over the uploader's socket, committed to the SQLite spool in batches, then acked;
#  - delivery: webhook requests/s to the fake CRM with keep-alive, commit-to-arrival latency;
#  - system: the release `ztisup run` between in-process AMI simulators and an in-process fake CRM, every latency
#    from the simulator's write of a PBX event to the CRM's receipt: p50/p99 at 100 and 1,000 events/s, the most
#    events/s sustained with nothing dropped; once: an Avaya group's latency, RSS/PSS/private memory of every
#    process with 10 groups of 100 extensions and 1,000 calls up, a worker's SIGKILL to its PBX link up again, and
#    a worker's RSS around hostile AMI input;
#  - config: validating groups of 5,000 and 100,000 users;
#  - metrics: the system's p99 at 1,000 events/s and most sustained events/s with /metrics off, then on (the
#    supervisor's and the uploader's, scraped with curl every 5 s), measured once each.
#
# Usage: bin/bench.sh [--only ami,dmcc,frames,intake,delivery,system,config,metrics] [--megabytes N] [--instructions]
#   --instructions  runs the AMI decoder, parse + track, the frame codec and DMCC decode + track over a fixed input
#                   under valgrind --tool=callgrind, and panoramisk on the same AMI bytes, and prints instructions per
#                   message (a figure machine noise does not move; the ratio is reported, not a gate).
set -euo pipefail
cd "$(dirname "$0")/.."

only="frames,ami,dmcc,intake,delivery,system,config,metrics"
megabytes=200
instructions=0
while [ $# -gt 0 ]; do
    case "$1" in
        --only) only="$2"; shift 2 ;;
        --megabytes) megabytes="$2"; shift 2 ;;
        --instructions) instructions=1; shift ;;
        [0-9]*) megabytes="$1"; shift ;;
        *) echo "bin/bench.sh: unknown argument $1 (--only LIST, --megabytes N, --instructions)" >&2; exit 64 ;;
    esac
done
for part in ${only//,/ }; do
    case "$part" in
        frames | ami | dmcc | intake | delivery | system | config | metrics) ;;
        *) echo "bin/bench.sh: unknown part '$part' in --only (frames, ami, dmcc, intake, delivery, system, config, metrics)" >&2
            exit 64 ;;
    esac
done
has() { [[ ",$only," == *",$1,"* ]]; }

. bin/lib/debian-packages.sh
missing_build_packages
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if has metrics && ! command -v curl >/dev/null 2>&1; then missing+=(curl); fi
[ "$instructions" = 0 ] || command -v valgrind >/dev/null 2>&1 || missing+=(valgrind)
[ "$instructions" = 0 ] || command -v objcopy >/dev/null 2>&1 || missing+=(binutils)
install_missing bin/bench.sh

swift build -c release --product zti-bench
swift build -c release --product ztisup
swift build -c release --product ztisup-worker
if has ami || [ "$instructions" = 1 ]; then
    if [ ! -x .build-venv/bin/python ]; then
        python3 -m venv .build-venv
        .build-venv/bin/pip install -q panoramisk==1.4
    fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
details="$work/details.txt"
figures="$work/figures.txt"
: > "$details"
: > "$figures"
bench=.build/release/zti-bench
transcripts=Tests/ZTIAsteriskTests/Transcripts

# Runs a benchmark, keeps its output for the details and its figure lines for the table (tagged with the round).
measure() {
    local round="$1"
    shift
    { echo "== $* (run $round)"; "$@" 2>&1; } | tee -a "$details" | sed -n "s/^figure /$round /p" >> "$figures"
}

for round in 1 2 3; do
    if has frames; then measure "$round" "$bench" frames 100000; fi
    if has ami; then
        measure "$round" "$bench" ami "$megabytes" "$transcripts" "$work"
        .build-venv/bin/python Benchmarks/peers/panoramisk_parse.py "$work/ami-stream.bin" "$work/ami-chunks.bin" \
            > "$work/peer.txt" 2>&1
        cat "$work/peer.txt" >> "$details"
        peer=$(sed -n 's/^peer-messages-per-second: //p' "$work/peer.txt")
        ours=$(awk -v r="$round" '$1 == r && $2 == "ami_msgs_per_s" { print $3 }' "$figures" | tail -1)
        echo "$round peer_panoramisk_msgs_per_s $peer" >> "$figures"
        python3 -c "print('$round ami_ratio_vs_panoramisk %.3f' % ($ours / $peer))" >> "$figures"
    fi
    if has dmcc; then measure "$round" "$bench" dmcc 50000; fi
    if has intake; then measure "$round" "$bench" intake 50000; fi
    if has system; then measure "$round" "$bench" system .build/release latency; fi
done
if has delivery; then measure 1 "$bench" delivery; fi
if has system; then measure 1 "$bench" system .build/release rest; fi
if has config; then measure 1 "$bench" config; fi
if has metrics; then measure 1 "$bench" system .build/release metrics; fi

if [ "$instructions" = 1 ]; then
    count() { sed -n 's/^items //p' "$1" | tail -1; }
    collected() { sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$1" | tail -1; }
    # Valgrind cannot read the DWARF of Swift 6 release builds: it runs a copy without it (symbols stay).
    objcopy --strip-debug "$bench" "$work/zti-bench"
    for component in ami track encode decode dmcc; do
        valgrind --tool=callgrind --toggle-collect='*measuredWork*' --callgrind-out-file=/dev/null \
            "$work/zti-bench" instructions "$component" "$transcripts" "$work" > "$work/$component.out" 2> "$work/$component.err"
        echo "instructions $component $(collected "$work/$component.err") $(count "$work/$component.out")" \
            >> "$work/instructions.txt"
    done
    for mode in parse baseline; do
        flag=""
        [ "$mode" = baseline ] && flag="--baseline"
        valgrind --tool=callgrind --callgrind-out-file=/dev/null .build-venv/bin/python \
            Benchmarks/peers/panoramisk_parse.py --fixed "$work/ami-fixed.bin" $flag \
            > "$work/peer-$mode.out" 2> "$work/peer-$mode.err"
    done
    echo "instructions panoramisk $(( $(collected "$work/peer-parse.err") - $(collected "$work/peer-baseline.err") ))" \
        "$(count "$work/peer-parse.out")" >> "$work/instructions.txt"
fi

python3 - "$figures" "$work/instructions.txt" <<'PY'
import os, statistics, sys
targets = {
    "ami_ratio_vs_panoramisk": (">=", 20, "AMI, every header located, vs panoramisk (x)"),
    "ami_msgs_per_s": (None, None, "AMI, every header located (msg/s)"),
    "ami_dictionary_msgs_per_s": (None, None, "AMI, a dictionary of strings per message (msg/s)"),
    "peer_panoramisk_msgs_per_s": (None, None, "panoramisk 1.4, same bytes and chunks (msg/s)"),
    "track_events_per_s": (">=", 500_000, "AMI parse + track (events/s)"),
    "tracker_alone_events_per_s": (None, None, "AMI tracker alone (events/s)"),
    "frame_encode_per_s": (">=", 500_000, "EVENT frame encode (frames/s)"),
    "frame_decode_per_s": (">=", 500_000, "EVENT frame decode (frames/s)"),
    "dmcc_decode_per_s": (None, None, "DMCC decode (events/s)"),
    "dmcc_track_events_per_s": (">=", 100_000, "DMCC decode + track (events/s)"),
    "intake_events_per_s": (">=", 100_000, "uploader intake, socket to spool to ack (events/s)"),
    "e2e_p99_ms_100": (None, None, "end to end p99 at 100 events/s (ms)"),
    "e2e_p99_ms_1000": ("<=", 5, "end to end p99 at 1,000 events/s (ms)"),
    "sustained_events_per_s": (">=", 10_000, "most sustained, nothing dropped (events/s)"),
    "worker_rss_mib": ("<=", 20, "worker RSS, 10 groups x 100 ext., 1,000 calls (MiB)"),
    "worker_pss_mib": (None, None, "  the same worker's PSS (MiB)"),
    "worker_private_mib": (None, None, "  the same worker's private memory (MiB)"),
    "metrics_off_p99_ms_1000": (None, None, "/metrics off: end to end p99 at 1,000 events/s (ms)"),
    "metrics_on_p99_ms_1000": (None, None, "/metrics on: end to end p99 at 1,000 events/s (ms)"),
    "metrics_off_sustained_events_per_s": (None, None, "/metrics off: most sustained (events/s)"),
    "metrics_on_sustained_events_per_s": (None, None, "/metrics on: most sustained (events/s)"),
}
runs = {}
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 3:
        runs.setdefault(parts[1], []).append(float(parts[2]))
def number(value):
    if value != value:
        return "n/a"
    return "{:,.0f}".format(value) if abs(value) >= 100 else "{:.2f}".format(value)
rows = []
for key, values in runs.items():
    op, target, label = targets.get(key, (None, None, key))
    median = statistics.median(values)
    spread = "" if len(values) < 2 else " (%s-%s)" % (number(min(values)), number(max(values)))
    if op is None:
        target_text, ratio = "-", "-"
    elif op == ">=":
        target_text, ratio = ">= " + number(target), "%.2f" % (median / target)
    else:
        target_text, ratio = "<= " + number(target), ("%.2f" % (target / median)) if median > 0 else "-"
    rows.append((label, number(median) + spread, target_text, ratio, key, median))
order = list(targets)
rows.sort(key=lambda row: order.index(row[4]) if row[4] in order else len(order))
widths = [max(len(row[i]) for row in rows + [("figure", "value (median, spread)", "target", "ratio")]) for i in range(4)]
header = ("figure", "value (median, spread)", "target", "ratio")
print("  ".join(text.ljust(width) for text, width in zip(header, widths)))
for row in rows:
    print("  ".join(text.ljust(width) for text, width in zip(row[:4], widths)))
print()
for row in rows:
    print("figure %s %s" % (row[4], ("%.3f" % row[5]).rstrip("0").rstrip(".")))
if os.path.exists(sys.argv[2]):
    print()
    print("instructions per message (callgrind, fixed input; reported, not a gate):")
    per = {}
    for line in open(sys.argv[2]):
        _, name, instructions, items = line.split()
        per[name] = int(instructions) / max(1, int(items))
        print("  %-10s %12s instructions over %8s items: %10.0f per item" % (name, instructions, items, per[name]))
    if "ami" in per and "panoramisk" in per:
        print("  panoramisk / ours (every header located): %.1fx" % (per["panoramisk"] / per["ami"]))
PY
echo
echo "details:"
cat "$details"

#!/usr/bin/env bash
# Fuzzes every parser that faces the outside with libFuzzer, each for SECONDS (default 60):
#   ami         the AMI decoder                         (Sources/ZTIAsterisk: AMIDecoder, AMIMessage, AMIHeader)
#   dmcc        DMCC framing, splitting and XML decoding (Sources/ZTIAvaya: the DMCC codec files)
#   frames      the process frame decoder, every role pair's allow-table   (Sources/ZTICore)
#   events      the uploader's event-frame decoding                         (Sources/ZTICore)
#   properties  the .properties parser and the configuration validation    (Sources/ZTICore)
#   clicktodial the click-to-dial request checks: query, form, JSON, token, user, number (Sources/ZTICore)
# Each target is built with swiftc -sanitize=fuzzer,address from the pure codec sources only (no NIO, no HTTP client,
# no SQLite), into .build-fuzz/. The seed corpus is the test suite's transcripts, scenarios and fixtures. A crash or
# a broken property leaves its input in Fuzz/regressions/<target>/ (commit it: the test suite replays every file
# there) and makes this script exit 1.
# Usage: bin/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ami dmcc frames events properties clicktodial)

out=.build-fuzz
mkdir -p "$out"
sources_for() {
    case "$1" in
        ami) echo Sources/ZTIAsterisk/AMIDecoder.swift Sources/ZTIAsterisk/AMIMessage.swift \
            Sources/ZTIAsterisk/AMIHeader.swift Sources/ZTIAsterisk/AMIHeaderTable.swift \
            Sources/ZTIAsterisk/AMIMessageView.swift Sources/ZTICore/ASCIIBytes.swift Fuzz/FuzzAMI.swift ;;
        dmcc) echo Sources/ZTIAvaya/DMCCFrame.swift Sources/ZTIAvaya/DMCCFrameDecoder.swift \
            Sources/ZTIAvaya/DMCCDocumentSplitter.swift Sources/ZTIAvaya/DMCCXMLParser.swift \
            Sources/ZTIAvaya/DMCCElement.swift Sources/ZTIAvaya/DMCCMessage.swift Sources/ZTIAvaya/DMCCParty.swift \
            Sources/ZTIAvaya/CSTAEvent.swift Sources/ZTIAvaya/ZTIAvayaError.swift Sources/ZTICore/Untrusted.swift \
            Sources/ZTICore/CodedError.swift Sources/ZTICore/ASCIIBytes.swift \
            Fuzz/FuzzDMCC.swift ;;
        frames | events | properties | clicktodial) echo Sources/ZTICore/*.swift Fuzz/FuzzCore.swift \
            Fuzz/FuzzFrames.swift Fuzz/FuzzEvents.swift Fuzz/FuzzProperties.swift Fuzz/FuzzClickToDial.swift ;;
        *) echo "bin/fuzz.sh: unknown target $1 (ami, dmcc, frames, events, properties, clicktodial)" >&2; exit 64 ;;
    esac
}
seeds_for() {
    local corpus="$1" target="$2"
    rm -rf "$corpus" && mkdir -p "$corpus"
    case "$target" in
        ami) cp Tests/ZTIAsteriskTests/Transcripts/{12,11,1.4}/*.ami "$corpus"/ 2>/dev/null || true
            for release in Tests/ZTIAsteriskTests/Transcripts/real/*/; do
                for file in "$release"*.ami; do cp "$file" "$corpus/real-$(basename "$release")-$(basename "$file")"; done
            done ;;
        dmcc) cp Tests/ZTIAvayaTests/Scenarios/*.xml "$corpus"/ ;;
        frames | events) python3 - "$corpus" "$target" <<'PY'
import json, struct, sys, os
corpus, target = sys.argv[1], sys.argv[2]
event = {"at": "2024-11-25T09:20:00.000Z", "attempt": 1, "callId": "1732526400.1", "direction": "inbound",
         "extension": "101", "from": "0312345678", "group": "sales", "pbx": "asterisk", "state": "ringing",
         "to": "0312340000"}
def frame(kind, payload):
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    return struct.pack(">IB", len(body) + 1, kind) + body
samples = {
    "hello": frame(1, {"groups": ["sales"], "pid": 42, "protocolVersion": 3, "role": "supervisor"}),
    "event": frame(3, event),
    "ack": frame(4, {"ids": ["sales/1732526400.1/101/ringing/1"]}),
    "heartbeat": frame(7, {"at": "2024-11-25T09:20:00.000Z"}),
    "status-request": frame(8, {}),
    "status-request-check": frame(8, {"checkCRM": True}),
    "capture": frame(13, {"group": "sales", "maxBytes": 52428800, "seconds": 600}),
    "capture-result": frame(14, {"file": "/var/lib/ztisup/captures/sales-20261202T190501.123Z.ami", "group": "sales"}),
}
# frames: a byte for who talks to whom and one for the chunk size come first; events: the stream as it is.
prefixes = [bytes([role, 1]) for role in range(16)] if target == "frames" else [b""]
for name, data in samples.items():
    for index, prefix in enumerate(prefixes):
        open(os.path.join(corpus, "%s-%d" % (name, index)), "wb").write(prefix + data)
open(os.path.join(corpus, "hello-event"), "wb").write(prefixes[0] + samples["hello"] + samples["event"])
PY
            ;;
        clicktodial) printf '\001/ztisup/dial?tonumber=0312345678&zohouser=111&ztitoken=c2d-secret\n\n' >"$corpus/get"
            printf '\000/ztisup/dial\n\ncontent-type: application/x-www-form-urlencoded\n\ntonumber=%%2B81%%20312&zohouser=222&dialcode=LOCAL&ztitoken=c2d-secret' >"$corpus/form"
            printf '\000/ztisup/dial\n\ncontent-type: application/json\nztitoken: c2d-secret\n\n{"tonumber": "0312345678", "zohouser": "111"}' >"$corpus/json"
            printf '\000/ztisup/dial\n\ncontent-type: application/json\n\n{"tonumber": 312345678, "zohouser": "111", "ztitoken": "c2d-secret"}' >"$corpus/json-number" ;;
        properties) cp conf/zti.properties conf/groups/*.properties conf/avaya/*.properties \
            Tests/ZTIAsteriskTests/Transcripts/*.properties Tests/ZTIAsteriskTests/Transcripts/real/*.properties \
            "$corpus"/ 2>/dev/null || true ;;
    esac
}

failed=0
for target in "${targets[@]}"; do
    binary="$out/fuzz-$target"
    # The three ZTICore targets are one binary (ZTICore is compiled once); ZTI_FUZZ_TARGET picks the parser.
    case "$target" in frames | events | properties | clicktodial) binary="$out/fuzz-core" ;; esac
    sources=$(sources_for "$target")
    # shellcheck disable=SC2086
    if [ ! -x "$binary" ] || [ -n "$(find $sources -newer "$binary" 2>/dev/null)" ]; then
        echo "bin/fuzz.sh: building $target"
        # shellcheck disable=SC2086
        swiftc -sanitize=fuzzer,address -parse-as-library -O -g $sources -o "$binary" 2>&1 \
            | grep -v "ld.gold: warning: Cannot export local symbol" || true
        [ -x "$binary" ] || { echo "bin/fuzz.sh: $target did not build" >&2; exit 1; }
    fi
    corpus="$out/corpus-$target"
    seeds_for "$corpus" "$target"
    regressions="Fuzz/regressions/$target"
    mkdir -p "$regressions"
    echo "bin/fuzz.sh: $target for ${seconds}s"
    if ! ZTI_FUZZ_TARGET="$target" LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp" "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 \
        -artifact_prefix="$regressions/" -print_final_stats=1 "$corpus" "$regressions" >"$out/$target.log" 2>&1; then
        echo "bin/fuzz.sh: $target FAILED; the input is in $regressions/ (see $out/$target.log):" >&2
        grep -E "ERROR|precondition|Fatal|SUMMARY|Test unit written" "$out/$target.log" | head -8 >&2 || true
        failed=1
    else
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/$target.log" | sed "s/^/  $target: /"
    fi
done
exit "$failed"

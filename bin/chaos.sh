#!/usr/bin/env bash
# The restart test a hostile operator runs, bounded in time and count: three groups (AMI families 12, 11 and 1.4)
# under the simulators' load of ring-group, missed and outbound-busy calls, webhook delivery to a fake CRM, K
# SIGKILLs spread over workers, the uploader and the supervisor (restarted a second later, as systemd would), a
# CRM outage at the end of the load, and a drain. It prints the calls, lifecycles, finals lost, wrong talk times,
# lifecycles with two finals, duplicate lifecycles, extra deliveries, recovery times and the drain after the outage,
# and exits 0 only when none is lost, wrong, doubled or duplicated and extra deliveries are at most the kills.
# Usage: bin/chaos.sh [--minutes N] [--kills K] [--rate CALLS/S per group] [--outage SECONDS] [--speed X] [--debug]
# Without options: 10 minutes, 20 kills, 1 call/s per group, a 150 s outage, scenario time as real time. With
# options, those not given are 1 minute, 3 kills, 0.5 calls/s, no outage and speed 1.
set -euo pipefail
cd "$(dirname "$0")/.."

. bin/lib/debian-packages.sh
missing_build_packages
install_missing bin/chaos.sh

configuration=release
arguments=(--minutes 10 --kills 20 --rate 1 --outage 150)
if [ $# -gt 0 ]; then arguments=(); fi
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) configuration=debug; shift ;;
        *) arguments+=("$1"); shift ;;
    esac
done

swift build -c "$configuration" --product zti-bench
swift build -c "$configuration" --product ztisup
exec ".build/$configuration/zti-bench" chaos ".build/$configuration" "${arguments[@]}"

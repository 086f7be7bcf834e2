#!/usr/bin/env bash
# Runs the whole system on the embedded demo configuration (conf/): a simulated Asterisk 12+ PBX
# (zti-pbxsim ami on 127.0.0.1:15038, playing a demo mix of ring-group, missed and outbound-busy
# calls, 0.5 calls/s) and the supervisor in all-in-one mode (ztisup run --conf conf: one worker for
# the demo group and the uploader, which keeps the calls in the local spool).
# With --avaya, a simulated Avaya AES (zti-pbxsim aes on 127.0.0.1:14721, answered, missed, ring-group and
# transfer calls, 0.2 calls/s) and the Avaya demo group (conf/avaya/demo-avaya.properties) run beside it.
# Installs what is missing on a fresh Debian machine, builds (debug; --release for release), and
# stops everything on Ctrl-C or after --duration N seconds, leaving no process behind.
# Usage: bin/run.sh [--release] [--avaya] [--duration SECONDS] [--bin DIR (use binaries from DIR, no build)]
set -euo pipefail
cd "$(dirname "$0")/.."

config=debug
avaya=""
duration=""
bin=""
while [ $# -gt 0 ]; do
    case "$1" in
    --release) config=release ;;
    --avaya) avaya=yes ;;
    --duration)
        [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] || { echo "bin/run.sh: --duration needs a number of seconds" >&2; exit 64; }
        duration="$2"
        shift
        ;;
    --bin)
        [ $# -ge 2 ] && [ -x "${2}/ztisup" ] || { echo "bin/run.sh: --bin needs a directory holding ztisup and zti-pbxsim" >&2; exit 64; }
        bin="$2"
        shift
        ;;
    -h | --help)
        sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "bin/run.sh: unknown argument $1 (see bin/run.sh --help)" >&2
        exit 64
        ;;
    esac
    shift
done

if [ -z "$bin" ]; then
    . bin/lib/debian-packages.sh
    missing_build_packages
    install_missing bin/run.sh
    echo "bin/run.sh: swift build -c $config"
    swift build -c "$config"
    bin=".build/$config"
fi

# Nothing tracked is written: the runtime and the spool stay in the ignored conf/run and conf/state. The Avaya
# demo group joins only --avaya runs, through a configuration composed in conf/run/demo-avaya-conf whose
# runtime.dir and state.dir are conf/run and conf/state, so `ztisup status --conf conf` and `ztisup calls --conf
# conf` see the same supervisor and spool either way.
confdir=conf
mkdir -p conf/run conf/state
if [ -n "$avaya" ]; then
    confdir=conf/run/demo-avaya-conf
    rm -rf "$confdir"
    mkdir -p "$confdir/groups"
    sed -e "s|^runtime.dir *=.*|runtime.dir = $PWD/conf/run|" -e "s|^state.dir *=.*|state.dir = $PWD/conf/state|" \
        conf/zti.properties >"$confdir/zti.properties"
    cp conf/groups/*.properties conf/avaya/demo-avaya.properties "$confdir/groups/"
fi

scenarios=Tests/ZTIAsteriskTests/Scenarios
# Each in its own session, so that Ctrl-C reaches this script only, and the stop below is orderly.
setsid "$bin/zti-pbxsim" ami --family 12 --listen 127.0.0.1:15038 --secret-file conf/demo-pbx.secret \
    --scenario "$scenarios/ring-group.scn" --scenario "$scenarios/missed.scn" \
    --scenario "$scenarios/outbound-busy.scn" --load 0.5 >/dev/null &
simulator=$!
aes=""
if [ -n "$avaya" ]; then
    avaya_scenarios=Tests/ZTIAvayaTests/Scenarios
    setsid "$bin/zti-pbxsim" aes --listen 127.0.0.1:14721 --password-file conf/demo-aes.secret --extensions 3201-3210 \
        --scenario "$avaya_scenarios/inbound-answered.scn" --scenario "$avaya_scenarios/inbound-missed.scn" \
        --scenario "$avaya_scenarios/ring-group-answered-elsewhere.scn" \
        --scenario "$avaya_scenarios/attended-transfer.scn" --load 0.2 >/dev/null &
    aes=$!
fi
setsid "$bin/ztisup" run --conf "$confdir" --log-target stderr &
supervisor=$!

stop() {
    trap - EXIT INT TERM
    echo
    echo "bin/run.sh: stopping"
    kill -TERM "$supervisor" 2>/dev/null || true
    wait "$supervisor" 2>/dev/null || true
    kill -TERM "$simulator" 2>/dev/null || true
    wait "$simulator" 2>/dev/null || true
    if [ -n "$aes" ]; then
        kill -TERM "$aes" 2>/dev/null || true
        wait "$aes" 2>/dev/null || true
    fi
}
trap stop EXIT INT TERM

cat <<HINTS
bin/run.sh: the demo runs (simulated PBX on 127.0.0.1:15038${aes:+, simulated AES on 127.0.0.1:14721}, supervisor pid $supervisor). Look with:
  $bin/ztisup status --conf conf
  $bin/ztisup calls --conf conf
  the log lines below (under systemd they go to the journal: journalctl -t ztisup)
Ctrl-C stops everything.
HINTS

if [ -n "$duration" ]; then
    sleep "$duration" &
    wait $! || true
else
    wait "$supervisor" || true
fi

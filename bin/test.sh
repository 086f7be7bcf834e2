#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine with only the Swift toolchain, checks the
# formatting, builds, and runs every test. Usage: bin/test.sh [extra `swift test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: libsystemd-dev (CSystemd links libsystemd), libsqlite3-dev (the spool, through GRDB),
# pkg-config (SwiftPM finds libsystemd through it), systemd (the journald integration test starts systemd-journald by hand), util-linux
# (unshare, setpriv), curl (a client process under another uid for the event socket's peer check; HTTPS to the
# click-to-dial endpoint), openssl (a throw-away certificate for that test), python3 (bin/fuzz.sh writes the frame
# targets' seeds with it). Only what is missing is installed.
. bin/lib/debian-packages.sh
missing_build_packages
[ -x /lib/systemd/systemd-journald ] || missing+=(systemd)
command -v unshare >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
install_missing bin/test.sh

# promtool (Debian's prometheus package) checks the /metrics text. Only its one static binary is needed: the
# package is fetched and unpacked into .build-tools/ (never installed, so no Prometheus server starts).
if ! command -v promtool >/dev/null 2>&1 && [ ! -x .build-tools/usr/bin/promtool ]; then
    echo "bin/test.sh: fetching promtool (Debian's prometheus package, unpacked into .build-tools/)"
    mkdir -p .build-tools
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; fi
    # As root apt fetches as root (its _apt user cannot write here); only promtool is kept.
    sandbox=()
    if [ "$(id -u)" -eq 0 ]; then sandbox=(-o APT::Sandbox::User=root); fi
    (cd .build-tools && apt-get download -qq "${sandbox[@]}" prometheus >/dev/null && dpkg-deb -x prometheus_*.deb . &&
        rm -f prometheus_*.deb usr/bin/prometheus) ||
        echo "bin/test.sh: promtool could not be fetched; the metrics tests check the text without it" >&2
fi
ZTI_PROMTOOL="$(command -v promtool || echo "$PWD/.build-tools/usr/bin/promtool")"
export ZTI_PROMTOOL

echo "bin/test.sh: swift format lint"
swift format lint --strict --recursive Sources Tests Benchmarks Fuzz

echo "bin/test.sh: swift build --build-tests"
swift build --build-tests

# Tests run one at a time (--no-parallel): the process tests block their thread while a real child works, and
# with two cores two of them at once starve the async tests (AMI client against the simulator) of the threads
# their 2-second reply timeouts need. Serially the suite takes about half a minute.
# The whole run is bounded (the suite takes well under a minute here; CI allows 90 minutes for everything): a test
# that hangs is killed with its children, and the tests that never finished are named.
limit="${ZTI_TEST_TIMEOUT:-20m}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
echo "bin/test.sh: swift test (at most $limit)"
status=0
# The output goes to a file, not a pipe: a test's child that outlived the run could hold a pipe open and make
# this script wait for an end-of-file that never comes.
timeout --kill-after=30s "$limit" stdbuf -oL -eL swift test --disable-xctest --no-parallel "$@" >"$log" 2>&1 || status=$?
cat "$log"
if command -v pgrep >/dev/null 2>&1; then
    leftovers="$(pgrep -a -f "$PWD/.build/debug/" || true)"
    if [ -n "$leftovers" ]; then
        echo "bin/test.sh: processes the tests left behind (killed now):" >&2
        echo "$leftovers" >&2
        pkill -KILL -f "$PWD/.build/debug/" || true
    fi
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "bin/test.sh: swift test did not finish within $limit; tests that started and never finished:" >&2
    awk '
        / Test case passing / || / Test run started/ { next }
        / Test .* started\.$/ { name = $0; sub(/^.* Test /, "", name); sub(/ started\.$/, "", name); open[name] = 1 }
        / Test .* (passed|failed|skipped)/ {
            name = $0; sub(/^.* Test /, "", name); sub(/ (with [0-9]+ test cases )?(passed|failed|skipped).*$/, "", name)
            delete open[name]
        }
        END { for (name in open) print "  " name }
    ' "$log" >&2
fi
if [ "$status" -ne 0 ]; then exit "$status"; fi

# Every fuzz target briefly (bin/fuzz.sh 300 is the long run); a crash leaves its input in Fuzz/regressions/.
echo "bin/test.sh: bin/fuzz.sh ${ZTI_FUZZ_SECONDS:-20}"
bin/fuzz.sh "${ZTI_FUZZ_SECONDS:-20}"

#!/usr/bin/env bash
# Installs ztisup: the binaries (/usr/bin/ztisup, /usr/bin/ztisup-worker, /usr/bin/zti-pbxsim), the systemd units
# (/usr/lib/systemd/system), the sysusers.d and tmpfiles.d files, /etc/ztisup from conf/
# (zti.properties with the demo's relative directories and test port taken out, and the groups), and
# the example group files under /usr/share/doc/ztisup/examples/groups. An existing file under
# /etc/ztisup is never overwritten.
# With --root STAGE everything goes below STAGE (a staging root for packaging or tests) and nothing is
# started; without it (as root) the users, the socket directory and systemd's view are brought up to
# date. Then: systemctl enable --now ztisup.service (or ztisup@GROUP.service).
# --no-demo leaves out the simulator and the demo group (its file stays among the examples): what the
# Debian package ships (bin/package.sh).
# Usage: bin/install.sh [--root STAGE] [--bin DIR (binaries to install; default: build release)] [--no-demo]
set -euo pipefail
cd "$(dirname "$0")/.."

root=""
bin=""
demo=yes
while [ $# -gt 0 ]; do
    case "$1" in
    --root)
        [ $# -ge 2 ] || { echo "bin/install.sh: --root needs a directory" >&2; exit 64; }
        root="${2%/}"
        shift
        ;;
    --bin)
        [ $# -ge 2 ] && [ -x "$2/ztisup" ] || { echo "bin/install.sh: --bin needs a directory holding ztisup" >&2; exit 64; }
        bin="$2"
        shift
        ;;
    --no-demo) demo=no ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "bin/install.sh: unknown argument $1 (see bin/install.sh --help)" >&2
        exit 64
        ;;
    esac
    shift
done
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
    echo "bin/install.sh: installing into / needs root (or give --root STAGE)" >&2
    exit 77
fi
if [ -z "$bin" ]; then
    swift build -c release
    bin=.build/release
fi

# install_new SOURCE TARGET MODE: copies unless TARGET exists.
install_new() {
    if [ -e "$2" ]; then
        echo "bin/install.sh: kept $2 (it exists)"
    else
        install -D -m "$3" "$1" "$2"
        echo "bin/install.sh: installed $2"
    fi
}

install -D -m 0755 "$bin/ztisup" "$root/usr/bin/ztisup"
# The worker alone, which the supervisor starts when it finds it beside ztisup (else `ztisup worker`).
if [ -x "$bin/ztisup-worker" ]; then install -D -m 0755 "$bin/ztisup-worker" "$root/usr/bin/ztisup-worker"; fi
if [ "$demo" = yes ]; then install -D -m 0755 "$bin/zti-pbxsim" "$root/usr/bin/zti-pbxsim"; fi
for unit in units/*.service units/*.socket units/*.target; do
    install -D -m 0644 "$unit" "$root/usr/lib/systemd/system/$(basename "$unit")"
done
install -D -m 0644 units/ztisup.sysusers "$root/usr/lib/sysusers.d/ztisup.conf"
install -D -m 0644 units/ztisup.tmpfiles "$root/usr/lib/tmpfiles.d/ztisup.conf"
echo "bin/install.sh: installed the binaries and the units below ${root:-/}"

# The demo's conf/ keeps its directories beside it and listens on a random port; an installed system
# uses the defaults (/run/ztisup, /var/lib/ztisup, 127.0.0.1:8765).
etc="$root/etc/ztisup"
mkdir -p "$etc/groups" "$etc/credstore"
chmod 0755 "$etc"
chmod 0700 "$etc/credstore"
properties="$(mktemp)"
trap 'rm -f "$properties"' EXIT
sed -e 's/^\(runtime\.dir\|state\.dir\|clicktodial\.listen\) *=/#&/' conf/zti.properties >"$properties"
install_new "$properties" "$etc/zti.properties" 0644
if [ "$demo" = yes ]; then
    for group in conf/groups/*.properties; do
        install_new "$group" "$etc/groups/$(basename "$group")" 0644
    done
fi
# Examples to copy into /etc/ztisup/groups and edit: every key of a group file, for each PBX family.
install -D -m 0644 conf/groups/demo.properties "$root/usr/share/doc/ztisup/examples/groups/demo.properties"
install -D -m 0644 conf/avaya/demo-avaya.properties "$root/usr/share/doc/ztisup/examples/groups/demo-avaya.properties"

if [ -z "$root" ]; then
    systemd-sysusers /usr/lib/sysusers.d/ztisup.conf
    systemd-tmpfiles --create /usr/lib/tmpfiles.d/ztisup.conf
    chown -R root:ztisup "$etc" && chmod 0750 "$etc"
    if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
    echo "bin/install.sh: done; enable with: systemctl enable --now ztisup.service"
fi

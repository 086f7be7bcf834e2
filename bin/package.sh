#!/usr/bin/env bash
# Builds the Debian package ztisup_<version>_<arch>.deb: the release binaries ztisup and ztisup-worker
# with the Swift runtime linked in (--static-swift-stdlib: the target machine needs no Swift toolchain),
# stripped, with their manual pages; the units, the sysusers.d and tmpfiles.d files and /etc/ztisup (conffiles) as
# `bin/install.sh --root STAGE --no-demo` stages them; the example group files and monitoring files; the
# maintainer scripts, copyright and changelog of packaging/debian/. The version is ZTIVersion.current.
# --check then runs lintian (no errors allowed) and installs, upgrades and purges the package in a
# throw-away Debian root (debootstrap, cached in .build-package/); it needs root and a Debian mirror, and
# bin/test.sh does not run it.
# Usage: bin/package.sh [--out DIR (default: .build-package)] [--check]
# The Maintainer field is ZTI_MAINTAINER (default: "ztisup maintainers <maintainers@ztisup.invalid>").
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build-package
check=no
while [ $# -gt 0 ]; do
    case "$1" in
    --out)
        [ $# -ge 2 ] || { echo "bin/package.sh: --out needs a directory" >&2; exit 64; }
        out="${2%/}"
        shift
        ;;
    --check) check=yes ;;
    -h | --help)
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "bin/package.sh: unknown argument $1 (see bin/package.sh --help)" >&2
        exit 64
        ;;
    esac
    shift
done

# Debian packages: dpkg-dev (dpkg-shlibdeps and dpkg-architecture), binutils (strip), the build's own
# (libsystemd-dev, libsqlite3-dev, pkg-config), and for --check lintian and debootstrap. Only what is
# missing is installed.
. bin/lib/debian-packages.sh
missing_build_packages
command -v dpkg-shlibdeps >/dev/null 2>&1 || missing+=(dpkg-dev)
command -v strip >/dev/null 2>&1 || missing+=(binutils)
if [ "$check" = yes ]; then
    command -v lintian >/dev/null 2>&1 || missing+=(lintian)
    command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
fi
install_missing bin/package.sh
if [ "$check" = yes ] && [ "$(id -u)" -ne 0 ]; then
    echo "bin/package.sh: --check installs into a throw-away root with chroot, which needs root" >&2
    exit 77
fi

version="$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/ZTICore/ZTIVersion.swift)"
[ -n "$version" ] || { echo "bin/package.sh: no version in Sources/ZTICore/ZTIVersion.swift" >&2; exit 1; }
arch="$(dpkg --print-architecture)"
maintainer="${ZTI_MAINTAINER:-ztisup maintainers <maintainers@ztisup.invalid>}"
# Reproducible dates: the last commit's (changelog, file times).
if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
    SOURCE_DATE_EPOCH="$(git log -1 --format=%ct)"
else
    SOURCE_DATE_EPOCH="$(date +%s)"
fi
export SOURCE_DATE_EPOCH

echo "bin/package.sh: release build of ztisup $version (Swift runtime linked statically)"
swift build -c release --static-swift-stdlib --product ztisup
swift build -c release --static-swift-stdlib --product ztisup-worker
built="$(swift build -c release --static-swift-stdlib --show-bin-path)"

# Every package SwiftPM linked in is named in the copyright file.
for checkout in .build/checkouts/*/; do
    name="$(basename "$checkout")"
    if ! grep -q "\.build/checkouts/$name/\*" packaging/debian/copyright; then
        echo "bin/package.sh: packaging/debian/copyright does not name .build/checkouts/$name (its license and copyright)" >&2
        exit 1
    fi
done

# The manual page of ztisup, from its commands' help (swift-argument-parser's generate-manual).
swift build --product generate-manual
generate_manual="$(swift build --show-bin-path)/generate-manual"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
for binary in ztisup ztisup-worker; do
    install -m 0755 "$built/$binary" "$work/bin/$binary"
    strip --remove-section=.comment "$work/bin/$binary"
done

# assemble VERSION DEB: stages the tree and builds the package DEB of version VERSION.
assemble() {
    local pkgversion="$1" deb="$2"
    local stage="$work/stage-$pkgversion"
    rm -rf "$stage"
    bin/install.sh --root "$stage" --bin "$work/bin" --no-demo >/dev/null
    local doc="$stage/usr/share/doc/ztisup"
    install -D -m 0644 packaging/debian/copyright "$doc/copyright"
    mkdir -p "$stage/usr/share/man/man1"
    "$generate_manual" "$work/bin/ztisup" --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" \
        --output-directory "$stage/usr/share/man/man1" >/dev/null
    # A blank line inside a discussion is a paragraph break for the help text, and .Pp for mdoc.
    sed -i 's/^$/.Pp/' "$stage/usr/share/man/man1/ztisup.1"
    cp packaging/debian/ztisup-worker.1 "$stage/usr/share/man/man1/"
    gzip -9n "$stage/usr/share/man/man1/"*.1
    chmod 0644 "$stage/usr/share/man/man1/"*.gz
    install -D -m 0644 packaging/debian/lintian-overrides "$stage/usr/share/lintian/overrides/ztisup"
    gzip -9n -c README.md >"$doc/README.md.gz"
    chmod 0644 "$doc/README.md.gz"
    install -D -m 0644 monitoring/ztisup-dashboard.json "$doc/examples/monitoring/ztisup-dashboard.json"
    install -D -m 0644 monitoring/ztisup-alerts.yml "$doc/examples/monitoring/ztisup-alerts.yml"
    {
        echo "ztisup ($pkgversion) bookworm; urgency=medium"
        echo
        echo "  * Release $pkgversion. /usr/share/doc/ztisup/README.md.gz says what it does"
        echo "    and how to set it up (\"Install from the package\")."
        echo
        echo " -- $maintainer  $(date -R -u -d "@$SOURCE_DATE_EPOCH")"
    } | gzip -9n >"$doc/changelog.gz"
    chmod 0644 "$doc/changelog.gz"

    mkdir -p "$stage/DEBIAN"
    (cd "$stage" && find etc -type f | sort | sed 's|^|/|') >"$stage/DEBIAN/conffiles"
    (cd "$stage" && find . -path ./DEBIAN -prune -o -path ./etc -prune -o -type f -print | sed 's|^\./||' |
        sort | xargs md5sum) >"$stage/DEBIAN/md5sums"
    for script in postinst prerm postrm; do
        install -m 0755 "packaging/debian/$script" "$stage/DEBIAN/$script"
    done

    # The shared libraries the binaries load, with the versions their symbols need (dpkg-shlibdeps reads
    # a debian/control of its own), and systemd for the units, sysusers and tmpfiles.
    local shlibs="$work/shlibs"
    mkdir -p "$shlibs/debian"
    printf 'Source: ztisup\n\nPackage: ztisup\nArchitecture: any\n' >"$shlibs/debian/control"
    local libraries
    libraries="$(cd "$shlibs" && dpkg-shlibdeps -O -e"$stage/usr/bin/ztisup" -e"$stage/usr/bin/ztisup-worker" 2>/dev/null |
        sed -n 's/^shlibs:Depends=//p')"
    [ -n "$libraries" ] || { echo "bin/package.sh: dpkg-shlibdeps found no libraries" >&2; exit 1; }
    local size
    size="$(du -k -s --apparent-size --exclude=DEBIAN "$stage" | cut -f1)"
    cat >"$stage/DEBIAN/control" <<EOF
Package: ztisup
Version: $pkgversion
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $libraries, systemd
Section: net
Priority: optional
Description: bridge from on-premise PBXs to a CRM: call pop-ups, call log, click-to-dial
 ztisup follows the calls of the extensions of Asterisk (AMI, 1.4 to 22),
 Elastix/FreePBX and Avaya Communication Manager (AES, DMCC) and tells a
 CRM (Zoho PhoneBridge v3, a generic webhook or Zammad) in real time that a
 call rings at a user, was answered, ended, was missed or was dialled out.
 It carries click-to-dial requests from the CRM back to the PBX.
 .
 It runs as systemd services: one supervisor for all groups of PBX users
 or one per group, and an uploader that alone holds the CRM credentials
 and keeps every event in a local spool until the CRM has it.
EOF
    find "$stage" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
    dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
}

mkdir -p "$out"
deb="$out/ztisup_${version}_${arch}.deb"
assemble "$version" "$deb"
echo "bin/package.sh: built $deb ($(du -h "$deb" | cut -f1))"

[ "$check" = yes ] || exit 0

# --- the check -------------------------------------------------------------------------------------------
# fail MESSAGE: the check stops with what was wrong.
fail() {
    echo "bin/package.sh --check: FAIL: $1" >&2
    exit 1
}

echo "bin/package.sh --check: lintian"
lintian_log="$work/lintian.log"
lintian --tag-display-limit 0 "$deb" >"$lintian_log" 2>&1 || true
cat "$lintian_log"
if grep -q '^E:' "$lintian_log"; then fail "lintian reports errors (above)"; fi

# A second package one version later, from the same tree, for the upgrade.
upgrade_version="$version+check1"
upgrade_deb="$work/ztisup_${upgrade_version}_${arch}.deb"
assemble "$upgrade_version" "$upgrade_deb"

# A minimal Debian (bookworm) with systemd, made once and kept as a tarball.
base=.build-package/debian-bookworm-base.tar
if [ ! -f "$base" ]; then
    echo "bin/package.sh --check: debootstrap bookworm (once; kept in $base)"
    mkdir -p .build-package
    debootstrap --variant=minbase --include=systemd bookworm "$work/base" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
        { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap bookworm failed"; }
    tar -C "$work/base" -cf "$base.part" . && mv "$base.part" "$base"
    rm -rf "$work/base"
fi
root="$work/root"
mkdir -p "$root"
tar -C "$root" -xf "$base"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
in_root() { chroot "$root" "$@"; }

# apt resolves the Depends field in the root, from its own mirror, as `apt install ./ztisup_….deb` does.
echo "bin/package.sh --check: install"
cp "$deb" "$upgrade_deb" "$root/tmp/"
in_root apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq "/tmp/$(basename "$deb")" >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "apt-get install of the package failed in the root"; }

# mode OWNER:GROUP PATH: the path's mode and ownership in the root.
expect_stat() {
    local actual
    actual="$(in_root stat -c '%a %U:%G' "$3" 2>/dev/null)" || fail "$3 is missing"
    [ "$actual" = "$1 $2" ] || fail "$3 is $actual, expected $1 $2"
}
expect_stat 755 root:root /usr/bin/ztisup
expect_stat 755 root:root /usr/bin/ztisup-worker
expect_stat 750 root:ztisup /etc/ztisup
expect_stat 700 root:root /etc/ztisup/credstore
expect_stat 644 root:root /etc/ztisup/zti.properties
expect_stat 755 root:root /etc/ztisup/groups
expect_stat 750 root:ztisup-ev /run/ztisup-uploader
for unit in ztisup.service ztisup@.service ztisup-uploader.service ztisup-uploader.socket ztisup.target; do
    expect_stat 644 root:root "/usr/lib/systemd/system/$unit"
done
expect_stat 644 root:root /usr/lib/sysusers.d/ztisup.conf
expect_stat 644 root:root /usr/lib/tmpfiles.d/ztisup.conf
expect_stat 644 root:root /usr/share/doc/ztisup/examples/groups/demo.properties
expect_stat 644 root:root /usr/share/man/man1/ztisup.1.gz
expect_stat 644 root:root /usr/share/man/man1/ztisup-worker.1.gz
zcat "$root/usr/share/man/man1/ztisup.1.gz" | grep -q "check-config" || fail "ztisup(1) does not describe check-config"
[ ! -e "$root/usr/bin/zti-pbxsim" ] || fail "the simulator is in the package"
[ -z "$(ls "$root/etc/ztisup/groups")" ] || fail "the package ships a group file: $(ls "$root/etc/ztisup/groups")"
for user in ztisup ztisup-up; do in_root getent passwd "$user" >/dev/null || fail "no user $user"; done
in_root getent group ztisup-ev >/dev/null || fail "no group ztisup-ev"
[[ " $(in_root id -nG ztisup-up) " == *" ztisup "* ]] || fail "ztisup-up is not in group ztisup (it reads /etc/ztisup)"
if ls "$root"/etc/systemd/system/*.wants/ztisup* >/dev/null 2>&1; then
    fail "a unit was enabled: $(ls "$root"/etc/systemd/system/*.wants/ztisup*)"
fi
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "the package's version is not $version"
# The binaries run on a Debian without Swift, and the service users read the configuration.
[ ! -e "$root/usr/lib/swift" ] && ! in_root sh -c 'command -v swift' >/dev/null || fail "the root has a Swift toolchain"
[ "$(in_root /usr/bin/ztisup --version)" = "$version" ] || fail "ztisup --version does not print $version"
# Without the supervisor's link on fd 3 the worker says who starts it, which it can only say once loaded.
worker_output="$(in_root /usr/bin/ztisup-worker 2>&1 || true)"
[[ "$worker_output" == *"started by the supervisor"* ]] || fail "ztisup-worker does not run: $worker_output"
for user in ztisup ztisup-up; do
    # No group is configured yet: the check says so (exit 78), after reading zti.properties as the user.
    status=0
    in_root setpriv --reuid "$user" --regid "$user" --init-groups /usr/bin/ztisup check-config >"$work/check.log" 2>&1 || status=$?
    [ "$status" -eq 78 ] && grep -q "no group files" "$work/check.log" ||
        { cat "$work/check.log" >&2; fail "ztisup check-config as $user (exit $status) did not read /etc/ztisup"; }
done
# A group configured from the example passes the check as the supervisors' user.
in_root cp /usr/share/doc/ztisup/examples/groups/demo.properties /etc/ztisup/groups/sales.properties
in_root setpriv --reuid ztisup --regid ztisup --init-groups /usr/bin/ztisup check-config >"$work/check.log" 2>&1 ||
    { cat "$work/check.log" >&2; fail "ztisup check-config with the example group failed"; }

echo "bin/package.sh --check: upgrade to $upgrade_version (edited conffile, running units)"
echo "# edited by the administrator" >>"$root/etc/ztisup/zti.properties"
edited="$(cat "$root/etc/ztisup/zti.properties")"
mkdir -p "$root/var/lib/ztisup/spool" && echo spool >"$root/var/lib/ztisup/spool/spool.sqlite"
# systemd does not run in the root: a systemctl that records its calls stands in, so that the
# postinst's restart of the running units can be seen.
mkdir -p "$root/run/systemd/system"
cat >"$root/usr/local/sbin/systemctl" <<'EOF'
#!/bin/sh
echo "$*" >>/var/log/systemctl-calls
EOF
chmod 0755 "$root/usr/local/sbin/systemctl"
local_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# apt gives dpkg a PATH of its own (DPkg::Path), without /usr/local/sbin unless told.
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq -o DPkg::Path="$local_path" \
    "/tmp/$(basename "$upgrade_deb")" >"$work/upgrade.log" 2>&1 ||
    { cat "$work/upgrade.log" >&2; fail "the upgrade failed"; }
[ "$(in_root dpkg-query -W -f='${Version}' ztisup)" = "$upgrade_version" ] || fail "ztisup is not at $upgrade_version"
[ "$(cat "$root/etc/ztisup/zti.properties")" = "$edited" ] || fail "the edited zti.properties did not survive the upgrade"
[ -f "$root/etc/ztisup/groups/sales.properties" ] || fail "the group file did not survive the upgrade"
grep -q "try-restart ztisup-uploader.service ztisup.service ztisup@\*.service" "$root/var/log/systemctl-calls" ||
    fail "the upgrade did not try-restart the units: $(cat "$root/var/log/systemctl-calls")"
grep -q "daemon-reload" "$root/var/log/systemctl-calls" || fail "the upgrade did not reload systemd"
! grep -qE "(^| )(enable|start) " "$root/var/log/systemctl-calls" || fail "the upgrade enabled or started a unit"
expect_stat 750 root:ztisup /etc/ztisup

echo "bin/package.sh --check: purge"
# An enablement link the administrator made, which purge takes away with the units.
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s /usr/lib/systemd/system/ztisup.target "$root/etc/systemd/system/multi-user.target.wants/ztisup.target"
in_root env PATH="$local_path" dpkg --purge ztisup >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge failed"; }
for path in /usr/bin/ztisup /usr/bin/ztisup-worker /etc/ztisup /var/lib/ztisup /run/ztisup-uploader \
    /usr/lib/systemd/system/ztisup.service /etc/systemd/system/multi-user.target.wants/ztisup.target; do
    [ ! -e "$root$path" ] && [ ! -L "$root$path" ] || fail "$path is left after the purge"
done
for user in ztisup ztisup-up; do ! in_root getent passwd "$user" >/dev/null || fail "the user $user is left"; done
for group in ztisup ztisup-up ztisup-ev; do ! in_root getent group "$group" >/dev/null || fail "the group $group is left"; done
! in_root dpkg-statoverride --list /etc/ztisup >/dev/null || fail "the stat override of /etc/ztisup is left"
echo "bin/package.sh --check: ok (lintian without errors; install, upgrade and purge in a bookworm root)"

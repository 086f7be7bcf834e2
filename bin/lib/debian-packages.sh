# Sourced by the bin/*.sh scripts: the Debian packages a script needs, installed only when missing.
# A script appends what it lacks to the array `missing`, then calls install_missing with its own name.

missing=()

# missing_build_packages: what building ztisup needs (CSystemd links libsystemd through pkg-config; the
# spool's SQLite through GRDB).
missing_build_packages() {
    dpkg -s libsystemd-dev >/dev/null 2>&1 || missing+=(libsystemd-dev)
    dpkg -s libsqlite3-dev >/dev/null 2>&1 || missing+=(libsqlite3-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
}

# install_missing SCRIPT: installs the packages in `missing` (apt-get update first), which needs root;
# without root it stops, naming them.
install_missing() {
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "$1: missing Debian packages: ${missing[*]}; run as root or install them first" >&2
        exit 1
    fi
    echo "$1: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
}

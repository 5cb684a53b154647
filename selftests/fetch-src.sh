#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# fetch-src.sh PKG [SUITE]
#
# Fetch the Debian source package PKG (suite bookworm unless SUITE says
# otherwise) with `apt-get source`, unpack it into a cache directory and print
# the unpacked source directory on stdout.  A package already in the cache is
# reused without touching the network.
#
# The machine's own apt state is left alone: the sources list, the package
# lists and apt's cache are private to the cache directory, so the only
# effect on the machine is the files written under it.
#
# Environment:
#   UPSTARE_SRC_CACHE  cache directory (default $UPSTARE_BUILD/src-cache,
#                      or build/src-cache next to this script's tree)
#   UPSTARE_MIRROR     archive URI (default http://deb.debian.org/debian)
#
# Exits non-zero with a message on stderr saying why when the source cannot
# be fetched; tests SKIP with that message.
set -eu

prog=fetch-src.sh

die()
{
	echo "$prog: $*" >&2
	exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: $prog PKG [SUITE]"
fi
pkg=$1
suite=${2:-bookworm}
case $pkg in
''|*[!a-z0-9.+-]*) die "$pkg: not a Debian source package name" ;;
esac
case $suite in
''|*[!a-z0-9-]*) die "$suite: not a Debian suite name" ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${UPSTARE_SRC_CACHE:-}" ]; then
	cache=$UPSTARE_SRC_CACHE
elif [ -n "${UPSTARE_BUILD:-}" ]; then
	cache=$UPSTARE_BUILD/src-cache
else
	cache=$here/../build/src-cache
fi
mirror=${UPSTARE_MIRROR:-http://deb.debian.org/debian}
# bookworm's debian-archive-keyring holds the trixie keys from 2023.3+deb12u2 on
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

mkdir -p "$cache" || die "cannot create the cache directory $cache"
cache=$(cd "$cache" && pwd)
pkgdir=$cache/$suite/$pkg
stamp=$pkgdir/.fetched

# The stamp names the unpacked directory once everything succeeded.
cached_dir()
{
	[ -f "$stamp" ] || return 1
	d=$pkgdir/$(cat "$stamp")
	[ -d "$d" ] || return 1
	echo "$d"
}

if cached_dir; then
	exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found (not a Debian system?)"
command -v dpkg-source >/dev/null 2>&1 ||
	die "dpkg-source not found: install dpkg-dev (make deps)"
[ -r "$keyring" ] || die "$keyring missing: install debian-archive-keyring"

# One fetch at a time per cache: tests and benchmarks may run side by side.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$cache/.lock"
	flock 9 || die "cannot lock $cache/.lock"
	if cached_dir; then
		exit 0
	fi
fi

state=$cache/apt/$suite
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" ||
	die "cannot create $state"
cat >"$state/sources.list" <<EOF
deb-src [signed-by=$keyring] $mirror $suite main
EOF

apt_private()
{
	apt-get -q \
		-o Dir::Etc::SourceList="$state/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$state/lists" \
		-o Dir::Cache="$state/cache" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		-o Acquire::Languages=none \
		-o APT::Get::Only-Source=true \
		"$@"
}

# die with apt's first error on the first line, then the end of its log
apt_failed()
{
	why=$(grep '^E: ' "$log" | head -n 1)
	[ -n "$why" ] || why=$(tail -n 1 "$log")
	die "$1: $why
last lines of $log:
$(tail -n 8 "$log")"
}

log=$state/last.log
if ! apt_private update >"$log" 2>&1; then
	if grep -q NO_PUBKEY "$log"; then
		apt_failed "apt-get update for $suite: $keyring lacks its key (upgrade debian-archive-keyring)"
	fi
	apt_failed "apt-get update for $suite ($mirror) failed"
fi

rm -rf "$pkgdir"
mkdir -p "$pkgdir"
(cd "$pkgdir" && apt_private source "$pkg") >"$log" 2>&1 || {
	rm -rf "$pkgdir"
	apt_failed "apt-get source $pkg ($suite) failed"
}

# apt-get source leaves the .dsc, the tarballs and one unpacked directory.
src=""
for d in "$pkgdir"/*/; do
	[ -d "$d/debian" ] || continue
	[ -z "$src" ] || die "$pkgdir: more than one unpacked source directory"
	src=${d%/}
done
[ -n "$src" ] || die "apt-get source $pkg ($suite) left no unpacked directory in $pkgdir"
basename "$src" >"$stamp"
echo "$src"

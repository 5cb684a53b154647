#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: update a running multi-threaded TCP server live (make demo).
#
# Builds kvstore version 1 with upstare-cc and the patch to version 2,
# starts the server, connects three clients that store keys, updates the
# server with upstarectl while the clients stay connected, and shows that
# the same connections now get version 2's answers over the data stored
# before the update.  Needs root (patches must be owned by root and
# upstarectl writes the server's memory).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${UPSTARE_BUILD:?run it with make demo}
work=$build/demo
port=${DEMO_PORT:-7070}
say() { printf '\n== %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: needs root (sudo make demo): patches must be owned by root" >&2
	exit 1
fi
rm -rf "$work"
mkdir -p "$work"

say "Building kvstore v1 (upstare-cc) and the patch v1 -> v2"
"$build/bin/upstare-cc" -O2 -pthread -o "$work/kvstore" "$here/kvstore/v1/server.c"
"$build/bin/upstare-cc" --patch --base "$work/kvstore" -O2 -pthread -o "$work/v2.so" \
	"$here/kvstore/v2/server.c" "$here/kvstore/xform.c"
chmod 644 "$work/v2.so"
echo "built $work/kvstore and $work/v2.so"

say "Starting the server on 127.0.0.1:$port"
"$work/kvstore" "$port" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	(exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.05
done
echo "server pid $pid"

# three clients, each one TCP connection kept open for the whole demo
exec 3<>"/dev/tcp/127.0.0.1/$port" 4<>"/dev/tcp/127.0.0.1/$port" \
	5<>"/dev/tcp/127.0.0.1/$port"
ask() {	# ask FD COMMAND: send one line, print the answer
	local answer
	echo "$2" >&"$1"
	IFS= read -r -t 5 answer <&"$1" || answer="(no answer: connection lost)"
	printf '  client %s> %-22s %s\n' "$(($1 - 2))" "$2" "$answer"
}

say "Before the update: three clients store and read keys (v1 answers)"
ask 3 "SET city Lisbon"
ask 4 "SET answer 42"
ask 5 "SET lang C"
ask 3 "GET answer"
ask 4 "GET lang"
ask 5 "STATS"

say "Updating the running server to v2 (the clients stay connected)"
"$build/bin/upstarectl" update --pid "$pid" --patch "$work/v2.so"
echo "server pid is still $(pgrep -o -f "$work/kvstore" || echo gone)"

say "After the update: the same three connections, v2 answers, v1's data"
ask 3 "GET answer"
ask 4 "GET city"
ask 5 "GET lang"
ask 3 "GET answer"
ask 5 "STATS"

say "Done: every connection survived, the keys stored under v1 are there, and v2's code answers (read counts, STATS)"

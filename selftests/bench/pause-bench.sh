#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pause-bench.sh: how long a live update pauses a server.
#
# The server (pause/server.c: an epoll echo server, W worker threads) is
# built once, and a chain of 10 patches v1..v10 of it, each built with
# upstare-cc --patch on the one before.  For each number of workers W (1,
# 8, 64) and of idle connections C (1, 10, 100, 1000) a fresh server is
# started, C clients connect, the 10 patches are applied one after the
# other with upstarectl update, and the table gives the median pause_us
# (first thread parked -> last thread resumed, measured by the target).
# Every connection must survive and answer in v10.  The same for a
# pre-forked server of 1, 8 and 64 processes updated as one tree.  Then the request
# latency (median round trip of one client) and throughput of the same
# server built plain and with upstare-cc, run alternately, 5 pairs of 20000
# requests each: the ratios are instrumented / plain, median over pairs.
# Needs root.
set -eu

prog=pause-bench.sh
here=$(cd "$(dirname "$0")" && pwd)
fail()
{
	echo "$prog: $*" >&2
	exit 1
}

[ -n "${UPSTARE_BUILD:-}" ] || fail "UPSTARE_BUILD is not set (run it with make bench)"
if [ "$(id -u)" != 0 ]; then
	echo "$prog: skipped: needs root (patches must be owned by root)"
	exit 0
fi
clang=${UPSTARE_CLANG:-clang-19}
upcc=$UPSTARE_BUILD/bin/upstare-cc
ctl=$UPSTARE_BUILD/bin/upstarectl
work=$UPSTARE_BUILD/bench/pause
rm -rf "$work"
mkdir -p "$work"
"$clang" -O2 -Wall -o "$work/driver" "$here/pause/driver.c" || fail "cannot build the driver"
"$upcc" -O2 -pthread -o "$work/server" "$here/pause/server.c" || fail "cannot build the server"
"$clang" -O2 -pthread -o "$work/server-plain" "$here/pause/server.c" || fail "cannot build the plain server"
base=$work/server
patches=
for v in 1 2 3 4 5 6 7 8 9 10; do
	"$upcc" --patch --base "$base" -O2 -pthread "-DVERSION=\"v$v\"" -o "$work/v$v.so" \
		"$here/pause/server.c" || fail "cannot build patch v$v"
	chmod 644 "$work/v$v.so"
	base=$work/v$v.so
	patches="$patches $work/v$v.so"
done

# start SERVER WORKERS: sets pid and port
start()
{
	rm -f "$work/out"
	# shellcheck disable=SC2086
	"$1" $2 >"$work/out" 2>&1 &
	pid=$!
	i=0
	while ! grep -q '^port ' "$work/out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 500 ] || fail "the server did not start"
		sleep 0.01
	done
	port=$(sed -n 's/^port //p' "$work/out")
}

printf '%-8s %-12s %s\n' workers connections median_pause_us
for w in 1 8 64; do
	for c in 1 10 100 1000; do
		start "$work/server" "$w"
		# shellcheck disable=SC2086
		if ! "$work/driver" "$port" "$c" "$ctl" "$pid" $patches >"$work/drv" 2>&1; then
			kill "$pid"
			cat "$work/drv" >&2
			fail "workers $w connections $c: update failed"
		fi
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		printf '%-8s %-12s %s\n' "$w" "$c" "$(sed -n 's/^median_us //p' "$work/drv")"
	done
done

# A pre-forked server: P processes (1 worker thread each) accept on one
# socket, 10 idle connections; the 10 patches are applied to the whole tree
# (--tree), and the table gives the median pause_us, the longest of the
# group's processes.
echo
printf '%-10s %s\n' processes median_pause_us
for p in 1 8 64; do
	start "$work/server" "1 $p"
	# shellcheck disable=SC2086
	if ! PAUSE_TREE=1 "$work/driver" "$port" 10 "$ctl" "$pid" $patches >"$work/drv" 2>&1; then
		kill "$pid"
		cat "$work/drv" >&2
		fail "processes $p: update failed"
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	printf '%-10s %s\n' "$p" "$(sed -n 's/^median_us //p' "$work/drv")"
done

# latency and throughput, plain and instrumented, alternately
ratios=
for pair in 1 2 3 4 5; do
	for v in server-plain server; do
		start "$work/$v" 1
		"$work/driver" --latency "$port" 20000 >"$work/lat-$v" || fail "latency run failed"
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	done
	ratios="$ratios $(awk '/median_ns/ { if (FILENAME ~ /plain/) p = $2; else i = $2 }
		/reqs_per_s/ { if (FILENAME ~ /plain/) pt = $2; else it = $2 }
		END { printf "%.3f:%.3f", i / p, it / pt }' "$work/lat-server-plain" "$work/lat-server")"
done
echo
# median of the words on stdin
median()
{
	tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
printf '%-28s %s\n' "latency_ratio (instr/plain)" \
	"$(echo "$ratios" | tr ' ' '\n' | cut -s -d: -f1 | median)"
printf '%-28s %s\n' "throughput_ratio" "$(echo "$ratios" | tr ' ' '\n' | cut -s -d: -f2 | median)"

# The transform phase when nothing is converted, in a program of 2000
# functions (each called through a table, so every one of them has an old
# address to translate), along a chain of 5 patches: the function map is
# made in prepare, so the transform phase (all threads parked) only swaps
# it in.  Median of the 5 updates' transform_us and prepare_us.
gen=$work/many.c
awk 'BEGIN {
	n = 2000
	print "#include <stdio.h>\n#include <unistd.h>\n#ifndef VERSION\n#define VERSION \"v1\"\n#endif"
	print "int acc;"
	for (i = 0; i < n; i++)
		printf "__attribute__((noinline)) int f%d(int x) { return x * %d + %d; }\n", i, i % 7 + 1, i
	printf "int (*const tab[])(int) = {"
	for (i = 0; i < n; i++)
		printf "%sf%d", i ? "," : "", i
	print "};"
	printf "int main(void) { setvbuf(stdout, NULL, _IOLBF, 0); for (long k = 0;; k++) { "
	printf "for (int i = 0; i < %d; i++) acc += tab[i](i); ", n
	print "printf(VERSION \" k=%ld acc=%d\\n\", k, acc); usleep(20000); } }"
}' >"$gen"
"$upcc" -O2 -o "$work/many" "$gen" || fail "cannot build the 2000-function program"
base=$work/many
for v in 2 3 4 5 6; do
	"$upcc" --patch --base "$base" -O2 "-DVERSION=\"v$v\"" -o "$work/many-v$v.so" "$gen" ||
		fail "cannot build its patch v$v"
	chmod 644 "$work/many-v$v.so"
	base=$work/many-v$v.so
done
"$work/many" >"$work/many.out" 2>&1 &
pid=$!
sleep 0.5
tf=
pr=
for v in 2 3 4 5 6; do
	"$ctl" update --direct --json --pid "$pid" --patch "$work/many-v$v.so" >"$work/many.json" ||
		{ kill "$pid"; cat "$work/many.json" >&2; fail "2000 functions: update v$v failed"; }
	tf="$tf $(sed -n 's/.*"transform":\([0-9-]*\).*/\1/p' "$work/many.json")"
	pr="$pr $(sed -n 's/.*"prepare":\([0-9-]*\).*/\1/p' "$work/many.json")"
	sleep 0.1
done
kill "$pid"
wait "$pid" 2>/dev/null || true
grep -q '^v6 ' "$work/many.out" || fail "2000 functions: the program does not run v6"
printf '%-28s %s\n' "transform_us (2000 fns)" "$(echo "$tf" | median)"
printf '%-28s %s\n' "prepare_us (2000 fns)" "$(echo "$pr" | median)"

# Converting objects on the heap (UPSTARE_HEAP_CONVERT): a list of 100000
# records of 56 bytes (5.6 MB) whose type gains a field, reached from a
# global.  The pause of the update that converts them all, median of 5
# runs, and the rate it makes.
cat >"$work/heap.c" <<'HEAPEOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifndef VERSION
#define VERSION "v1"
struct rec { long key; char name[40]; struct rec *next; };
#endif
struct rec *head;
int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long k = 0; k < 100000; k++) {
		struct rec *r = calloc(1, sizeof(*r));

		r->key = k;
		r->next = head;
		head = r;
	}
	for (long n = 1;; n++) {
		long sum = 0;

		for (struct rec *p = head; p; p = p->next)
			sum += p->key;
		printf(VERSION " n=%ld sum=%ld\n", n, sum);
		usleep(50000);
	}
}
HEAPEOF
printf '#define VERSION "v2"\nstruct rec { long key; long hits; char name[40]; struct rec *next; };\n#include "heap.c"\n' >"$work/heap2.c"
printf '#include <upstare.h>\nUPSTARE_HEAP_CONVERT("struct rec");\n' >"$work/heapdecl.c"
"$upcc" -O2 -o "$work/heap" "$work/heap.c" || fail "cannot build the heap program"
"$upcc" --patch --base "$work/heap" -O2 -o "$work/heap2.so" "$work/heap2.c" "$work/heapdecl.c" ||
	fail "cannot build its patch"
chmod 644 "$work/heap2.so"
hp=
for run in 1 2 3 4 5; do
	"$work/heap" >"$work/heap.out" 2>&1 &
	pid=$!
	sleep 0.5
	"$ctl" update --direct --json --pid "$pid" --patch "$work/heap2.so" >"$work/heap.json" ||
		{ kill "$pid"; cat "$work/heap.json" >&2; fail "heap conversion: update failed"; }
	sleep 0.2
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	grep -q '^v2 .* sum=4999950000$' "$work/heap.out" || fail "heap conversion: wrong list in v2"
	hp="$hp $(sed -n 's/.*"pause_us":\([0-9-]*\).*/\1/p' "$work/heap.json" | head -1)"
done
p=$(echo "$hp" | median)
printf '%-28s %s\n' "heap_pause_us (100k recs)" "$p"
printf '%-28s %s\n' "heap_conversion_MB_per_s" "$(awk -v p="$p" 'BEGIN { printf "%.0f", 5.6e6 / (p / 1e6) / 1e6 }')"
printf '%-28s %s\n' "heap_conversion_objs_per_s" "$(awk -v p="$p" 'BEGIN { printf "%.0f", 1e5 / (p / 1e6) }')"

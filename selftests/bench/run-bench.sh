#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# run-bench.sh [BENCHMARK...]
#
# What instrumentation costs, measured side by side in one run.  Each
# benchmark is built twice with the same flags (-O2), with the plain
# compiler and with upstare-cc, every source with -c and then linked.  The
# two programs run alternately, plain then instrumented, after one warm-up
# run of each; the table gives medians over the pairs:
#
#   plain_s, instr_s  CPU time (user + system) of one run
#   time_ratio        instrumented / plain CPU time, median of the per-pair
#                     ratios
#   time_iqr          the middle half of the per-pair ratios (first to third
#                     quartile): how much the machine moved them
#   wall_ratio        the same for wall-clock time, which other load on the
#                     machine disturbs more
#   text_ratio        .text of the whole executables (runtime and libc
#                     start-up code included)
#   ptext_ratio       .text* sections of the program's own objects only
#   rss_ratio         peak resident set size
#   insn_ratio        instructions executed, instrumented / plain, counted by
#                     valgrind's cachegrind on one shorter run of each (the
#                     times move by 5% and more between runs on a shared
#                     machine; the count is the same every run); "-" when
#                     valgrind is not installed
#
# Benchmarks: bubble (bubble.c here: a tight call-free loop), kissfft and
# kissfft-real (KissFFT's own benchkiss, complex and real transforms of 1800
# points), bzip2-compress and bzip2-decompress (bzip2 1.0.8's program and
# libbz2, -9, on 32 MiB that corpus.c makes: prose, log lines, binary
# records and random bytes, which bzip2 makes a third of), sqlite-speedtest1
# (SQLite 3.40.1's speedtest1 --size 100 on an in-memory database, with the
# amalgamation sqlite3.c generated from the source package), and
# sqlite-compile (the compiler itself on sqlite3.c), and save-code (bzip2
# and SQLite built with upstare-cc --no-records as well, the saves as code:
# instructions and program .text against plain, beside the default build's).  The programs come
# from Debian's source packages, fetched with fetch-src.sh.
#
# After the table, two more:
#
#   sqlite-speedtest1 per test: each of speedtest1's tests, the median of
#                     the times it prints itself (wall-clock, in ms steps),
#                     and the median and quartiles of the per-pair ratios
#   compile cost      sqlite3.c compiled once by each compiler under GNU
#                     time: CPU time (user + system) and peak RSS of the
#                     whole command.  upstare-cc runs clang -E and the clang
#                     compiling its output as children and parses with
#                     libclang itself; the times add up the children's, the
#                     peak RSS is that of the largest single process (the
#                     kernel's ru_maxrss of a process and its waited-for
#                     children is their maximum, not their sum)
#
# This is not a test: a high ratio never fails it.  It exits non-zero when a
# build fails or when an instrumented run's output differs from the plain
# one's.  A benchmark whose source package cannot be fetched, or that needs
# a tool that is not installed (tclsh for SQLite's amalgamation, GNU time
# for the compile cost), is skipped with the reason.
#
# Environment: UPSTARE_BUILD (required), UPSTARE_SRC, UPSTARE_CLANG,
# BENCH_PAIRS (measured pairs, default 11, at least 5).
set -eu

prog=run-bench.sh
here=$(cd "$(dirname "$0")" && pwd)

fail()
{
	echo "$prog: $*" >&2
	exit 1
}

[ -n "${UPSTARE_BUILD:-}" ] || fail "UPSTARE_BUILD is not set (run it with make bench)"
UPSTARE_BUILD=$(cd "$UPSTARE_BUILD" && pwd)
export UPSTARE_BUILD
UPSTARE_SRC=${UPSTARE_SRC:-$here/../..}
clang=${UPSTARE_CLANG:-clang-19}
upcc=$UPSTARE_BUILD/bin/upstare-cc
pairs=${BENCH_PAIRS:-11}
cflags=-O2
work=$UPSTARE_BUILD/bench

case $pairs in
''|*[!0-9]*) fail "BENCH_PAIRS=$pairs: not a number" ;;
esac
[ "$pairs" -ge 5 ] || fail "BENCH_PAIRS=$pairs: at least 5 pairs"
command -v "$clang" >/dev/null 2>&1 || fail "$clang not found"
[ -x "$upcc" ] || fail "$upcc not built (make)"
if command -v size >/dev/null 2>&1; then
	size=size
elif command -v llvm-size-19 >/dev/null 2>&1; then
	size=llvm-size-19
else
	fail "neither size (binutils) nor llvm-size-19 found"
fi

# GNU time, for the compilers' CPU time and peak RSS (not the shell's time)
gnu_time=""
if /usr/bin/time -f %U true >/dev/null 2>&1; then
	gnu_time=/usr/bin/time
fi

rm -rf "$work"
mkdir -p "$work"
"$clang" -O2 -Wall -o "$work/timeit" "$here/timeit.c" || fail "cannot build timeit"
# tables printed after the main one
: >"$work/tables"

# Bytes in the .text* sections of the given ELF files.
text_size()
{
	for f in "$@"; do
		"$size" -A "$f"
	done | awk '$1 ~ /^\.text/ { s += $2 } END { print s + 0 }'
}

# timed OUT CMD...: run CMD; with GNU time, its "wall user sys maxrss_kb" in OUT
timed()
{
	t_out=$1
	shift
	if [ -n "$gnu_time" ]; then
		"$gnu_time" -o "$t_out" -f "%e %U %S %M" "$@"
	else
		"$@"
	fi
}

# build NAME VARIANT CC CPPFLAGS SOURCE...: objects and prog in $work/NAME/VARIANT
build()
{
	b_name=$1 b_variant=$2 b_cc=$3 b_flags=$4
	shift 4
	b_dir=$work/$b_name/$b_variant
	mkdir -p "$b_dir"
	b_objs=""
	for b_src in "$@"; do
		b_obj=$b_dir/$(basename "${b_src%.c}").o
		# shellcheck disable=SC2086 # flags are words
		timed "$b_obj.time" "$b_cc" $cflags $b_flags -c "$b_src" -o "$b_obj" \
			>>"$b_dir/build.log" 2>&1 || {
			tail -n 30 "$b_dir/build.log" >&2
			fail "$b_name: $b_variant build of $b_src failed (log: $b_dir/build.log)"
		}
		b_objs="$b_objs $b_obj"
	done
	# shellcheck disable=SC2086
	"$b_cc" $cflags -o "$b_dir/prog" $b_objs -lm >>"$b_dir/build.log" 2>&1 || {
		tail -n 30 "$b_dir/build.log" >&2
		fail "$b_name: $b_variant link failed (log: $b_dir/build.log)"
	}
}

# the middle half of the values: "q1-q3" (nearest rank)
quartiles()
{
	sort -g | awk '{ v[NR] = $1 }
		function rank(q,  r) { r = int(q * NR); if (r < q * NR) r++; return r < 1 ? 1 : r }
		END { printf "%.2f-%.2f\n", v[rank(0.25)], v[rank(0.75)] }'
}

median()
{
	sort -g | awk '{ v[NR] = $1 }
		END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The output a run must reproduce: stdout and the stderr lines that do not
# depend on timing (benchkiss reports cputime and ps(1) output there;
# speedtest1 ends each test's line with its time; the hash of every row
# its queries returned, which it prints last with --verify, stays).
run_output()
{
	case $2 in
	speedtest) sed 's/ *[0-9]*\.[0-9]*s$//' "$1.out" ;;
	*) cat "$1.out" ;;
	esac
	case $2 in
	kiss) grep '^KISS' "$1.err" || true ;;
	*) cat "$1.err" ;;
	esac
}

# Instructions one run of PROG ARG... executes, under cachegrind, or "-".
# valgrind 3.19 gives up on a program with several DWARF 5 units from
# clang 19 ("Possibly corrupted debuginfo file"; libupstare.a is built
# with DWARF 4 for it, see the Makefile, but CFLAGS may bring DWARF 5
# objects): it runs a copy without debug information.
insn_count()
{
	i_prog=$1
	shift
	i_vg=$(command -v valgrind) || { echo -; return 0; }
	objcopy --strip-debug "$i_prog" "$i_prog.nodebug" 2>/dev/null || { echo -; return 0; }
	PATH=/nonexistent "$i_vg" --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$i_prog.nodebug" "$@" </dev/null 2>&1 >/dev/null |
		awk '/I[ ]+refs:/ { gsub(",", "", $NF); n = $NF } END { print (n ? n : "-") }'
	rm -f "$i_prog.nodebug"
}

# measure NAME FILTER TIME_TARGET INSN_ARGS ARG...: run, check, print a row;
# INSN_ARGS (one word list) are the arguments of the cachegrind runs
measure()
{
	m_name=$1 m_filter=$2 m_time_target=$3 m_insn_args=$4
	shift 4
	m_dir=$work/$m_name
	: >"$m_dir/runs"
	m_i=0
	while [ "$m_i" -le "$pairs" ]; do
		for m_v in plain instr; do
			# benchkiss calls system("ps ..."): without a PATH it costs
			# a failed exec instead of a process listing
			m_r=$(PATH=/nonexistent "$work/timeit" "$m_dir/last.out" "$m_dir/last.err" \
				"$m_dir/$m_v/prog" "$@") || fail "$m_name: timeit failed"
			m_status=${m_r##* }
			[ "$m_status" = 0 ] || {
				cat "$m_dir/last.err" >&2
				fail "$m_name: $m_v run $m_i exited with status $m_status"
			}
			run_output "$m_dir/last" "$m_filter" >"$m_dir/last.cmp"
			if [ ! -f "$m_dir/expected" ]; then
				mv "$m_dir/last.cmp" "$m_dir/expected"
				[ -s "$m_dir/expected" ] || fail "$m_name: the plain run printed nothing"
			elif ! cmp -s "$m_dir/expected" "$m_dir/last.cmp"; then
				diff "$m_dir/expected" "$m_dir/last.cmp" | head -n 20 >&2
				fail "$m_name: $m_v run $m_i printed something else than the first plain run"
			fi
			# run 0 is the warm-up
			[ "$m_i" -eq 0 ] && continue
			echo "$m_v $m_r" >>"$m_dir/runs"
			# speedtest1's own times of each test, for its table
			if [ "$m_filter" = speedtest ]; then
				cp "$m_dir/last.out" "$m_dir/out.$m_i.$m_v"
			fi
		done
		m_i=$((m_i + 1))
	done

	# one line per pair: plain wall cpu rss, instrumented wall cpu rss
	awk '
		$1 == "plain" { pw = $2; pc = $3 + $4; pr = $5 }
		$1 == "instr" { print pw, pc, pr, $2, $3 + $4, $5 }' "$m_dir/runs" >"$m_dir/pairs"
	m_plain=$(awk '{ print $2 }' "$m_dir/pairs" | median)
	m_instr=$(awk '{ print $5 }' "$m_dir/pairs" | median)
	awk '{ print ($2 > 0 ? $5 / $2 : 1) }' "$m_dir/pairs" >"$m_dir/ratios"
	m_time=$(median <"$m_dir/ratios")
	m_spread=$(quartiles <"$m_dir/ratios")
	m_wall=$(awk '{ print $4 / $1 }' "$m_dir/pairs" | median)
	m_rss=$(awk '{ print $6 / $3 }' "$m_dir/pairs" | median)
	m_text_p=$(text_size "$m_dir/plain/prog")
	m_text_i=$(text_size "$m_dir/instr/prog")
	# shellcheck disable=SC2046 # object lists
	m_ptext_p=$(text_size $(ls "$m_dir"/plain/*.o))
	# shellcheck disable=SC2046
	m_ptext_i=$(text_size $(ls "$m_dir"/instr/*.o))
	# shellcheck disable=SC2086 # argument words
	m_insn_p=$(insn_count "$m_dir/plain/prog" $m_insn_args)
	# shellcheck disable=SC2086
	m_insn_i=$(insn_count "$m_dir/instr/prog" $m_insn_args)
	awk -v n="$m_name" -v p="$m_plain" -v i="$m_instr" -v t="$m_time" -v u="$m_wall" \
	    -v sp="$m_spread" \
	    -v tt="$m_time_target" -v xp="$m_text_p" -v xi="$m_text_i" \
	    -v pp="$m_ptext_p" -v pi="$m_ptext_i" -v r="$m_rss" -v xt=2.0 \
	    -v ip="$m_insn_p" -v ii="$m_insn_i" '
		function mark(v, target) { return sprintf("(<= %s%s)", target, v > target ? " !" : "") }
		BEGIN {
			x = xi / xp; px = pp > 0 ? pi / pp : 0
			q = (ip == "-" || ii == "-" || ip == 0) ? "-" : sprintf("%.3f", ii / ip)
			printf "%-17s %8.3f %8.3f %7.3f %-11s %-10s %10.3f %7.3f %-10s %11.3f %9.3f %10s\n",
				n, p, i, t, mark(t, tt), sp, u, x, mark(x, xt), px, r, q
		}'
}

header()
{
	printf '%-17s %8s %8s %-19s %-10s %10s %-18s %11s %9s %10s\n' benchmark plain_s instr_s \
		time_ratio time_iqr wall_ratio text_ratio ptext_ratio rss_ratio insn_ratio
}

bench_bubble()
{
	build bubble plain "$clang" "" "$here/bubble.c"
	build bubble instr "$upcc" "" "$here/bubble.c"
	measure bubble all 1.03 "5000 3" 20000 3
}

kiss_src=""

# kissfft's benchmark program: the library sources and benchkiss, float.
build_kiss()
{
	k_name=$1
	for k_v in plain instr; do
		k_cc=$clang
		[ "$k_v" = instr ] && k_cc=$upcc
		build "$k_name" "$k_v" "$k_cc" "-Dkiss_fft_scalar=float -I$kiss_src" \
			"$kiss_src/kiss_fft.c" "$kiss_src/kiss_fftr.c" "$kiss_src/kiss_fftnd.c" \
			"$kiss_src/kiss_fftndr.c" "$kiss_src/test/benchkiss.c" \
			"$kiss_src/test/pstats.c"
	done
}

fetch_kiss()
{
	[ -n "$kiss_src" ] && return 0
	kiss_src=$("$UPSTARE_SRC/selftests/fetch-src.sh" kissfft) || {
		kiss_src=""
		return 1
	}
}

bench_kissfft()
{
	fetch_kiss || { echo "kissfft: skipped, its source package cannot be fetched"; return 0; }
	build_kiss kissfft
	measure kissfft kiss 1.10 "-x 5000 -n 1800" -x 50000 -n 1800
}

bench_kissfft_real()
{
	fetch_kiss || { echo "kissfft-real: skipped, its source package cannot be fetched"; return 0; }
	build_kiss kissfft-real
	measure kissfft-real kiss 1.10 "-r -x 10000 -n 1800" -r -x 100000 -n 1800
}

# share_build NAME DIR: NAME's plain and instrumented builds are those in
# $work/DIR, built once for the benchmarks of one program
share_build()
{
	mkdir -p "$work/$1"
	ln -s "../$2/plain" "$work/$1/plain"
	ln -s "../$2/instr" "$work/$1/instr"
}

bzip2_src=""
bzip2_built=""
bzip2_failed=""
bzip2_in=$work/bzip2/corpus
bzip2_small=$work/bzip2/corpus-small

# bzip2 as its Makefile builds it, the program and libbz2 linked in; its
# inputs: 32 MiB to time, 4 MiB for cachegrind, and both compressed by the
# plain build, for the decompression; returns 1 when the source cannot be
# fetched (tried once)
prepare_bzip2()
{
	[ -n "$bzip2_built" ] && return 0
	[ -z "$bzip2_failed" ] || return 1
	bzip2_src=$("$UPSTARE_SRC/selftests/fetch-src.sh" bzip2) || {
		bzip2_failed=1
		return 1
	}
	bzip2_sources=""
	for z_f in bzip2 blocksort huffman crctable randtable compress decompress bzlib; do
		bzip2_sources="$bzip2_sources $bzip2_src/$z_f.c"
	done
	for z_v in plain instr; do
		z_cc=$clang
		[ "$z_v" = instr ] && z_cc=$upcc
		# shellcheck disable=SC2086 # the list's words
		build bzip2 "$z_v" "$z_cc" "-D_FILE_OFFSET_BITS=64" $bzip2_sources
	done
	"$clang" -O2 -Wall -o "$work/corpus" "$here/corpus.c" || fail "cannot build corpus"
	"$work/corpus" 33554432 >"$bzip2_in" || fail "corpus failed"
	"$work/corpus" 4194304 >"$bzip2_small" || fail "corpus failed"
	for z_f in "$bzip2_in" "$bzip2_small"; do
		"$work/bzip2/plain/prog" -9 -c "$z_f" >"$z_f.bz2" ||
			fail "bzip2: the plain build cannot compress $z_f"
	done
	bzip2_built=1
}

bench_bzip2_compress()
{
	prepare_bzip2 || { echo "bzip2-compress: skipped, its source package cannot be fetched"; return 0; }
	share_build bzip2-compress bzip2
	measure bzip2-compress all 1.10 "-9 -c $bzip2_small" -9 -c "$bzip2_in"
}

bench_bzip2_decompress()
{
	prepare_bzip2 || { echo "bzip2-decompress: skipped, its source package cannot be fetched"; return 0; }
	share_build bzip2-decompress bzip2
	measure bzip2-decompress all 1.10 "-d -c $bzip2_small.bz2" -d -c "$bzip2_in.bz2"
	cmp -s "$work/bzip2-decompress/expected" "$bzip2_in" ||
		fail "bzip2-decompress: the output is not the input that was compressed"
}

sqlite_src=""
sqlite_built=""
sqlite_why=""
# speedtest1's own choice (tool/speed-check.sh), without -ldl
sqlite_flags="-DSQLITE_THREADSAFE=0 -DSQLITE_OMIT_LOAD_EXTENSION"

# Debian's sqlite3 source is the upstream tree: sqlite3.c is generated with
# its configure and Makefile (tclsh), as the real/sqlite test does, and
# compiled with speedtest1.c; returns 1 with the reason in sqlite_why
# (tried once)
prepare_sqlite()
{
	[ -n "$sqlite_built" ] && return 0
	[ -z "$sqlite_why" ] || return 1
	if ! command -v tclsh >/dev/null 2>&1 && ! command -v tclsh8.6 >/dev/null 2>&1; then
		sqlite_why="tclsh is not installed (package tcl): it generates sqlite3.c"
		return 1
	fi
	sqlite_src=$("$UPSTARE_SRC/selftests/fetch-src.sh" sqlite3) || {
		sqlite_why="its source package cannot be fetched"
		return 1
	}
	s_amal=$work/sqlite/amalgamation
	mkdir -p "$s_amal"
	(cd "$s_amal" && "$sqlite_src/configure" CC="$clang" --disable-tcl --disable-readline \
		--disable-editline && make -j2 sqlite3.c) >"$s_amal/build.log" 2>&1 || {
		tail -n 30 "$s_amal/build.log" >&2
		fail "sqlite: cannot generate sqlite3.c (log: $s_amal/build.log)"
	}
	for s_v in plain instr; do
		s_cc=$clang
		[ "$s_v" = instr ] && s_cc=$upcc
		build sqlite "$s_v" "$s_cc" "$sqlite_flags -I$s_amal" \
			"$s_amal/sqlite3.c" "$sqlite_src/test/speedtest1.c"
	done
	sqlite_built=1
}

# speedtest1 --verify hashes every row its queries return: plain and
# instrumented must print the same tests and the same hash
bench_sqlite_speedtest1()
{
	prepare_sqlite || { echo "sqlite-speedtest1: skipped, $sqlite_why"; return 0; }
	share_build sqlite-speedtest1 sqlite
	measure sqlite-speedtest1 speedtest 1.10 "--memdb --verify --size 25" \
		--memdb --verify --size 100
	speedtest_table "$work/sqlite-speedtest1" >>"$work/tables"
}

# The per-test table: each test's median times and per-pair ratios
speedtest_table()
{
	echo
	echo "sqlite-speedtest1 per test (speedtest1's own wall-clock times, ms steps; median of $pairs pairs)"
	printf '%-4s %-45s %8s %8s %7s %s\n' test name plain_s instr_s ratio ratio_iqr
	for t_f in "$1"/out.*.plain "$1"/out.*.instr; do
		t_v=${t_f##*.}
		t_i=${t_f%.*}
		t_i=${t_i##*.}
		sed -n "s/^ *\([0-9][0-9]*\) - \(.*[^. ]\)\.* *\([0-9][0-9]*\.[0-9]*\)s\$/$t_i $t_v \1 \3 \2/p" "$t_f"
	done >"$1/tests"
	# one test number a line, in the order speedtest1 runs them
	awk '$1 == 1 && $2 == "plain" { print $3 }' "$1/tests" | while read -r t_n; do
		t_name=$(awk -v n="$t_n" '$1 == 1 && $2 == "plain" && $3 == n {
			$1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print; exit }' "$1/tests")
		t_plain=$(awk -v n="$t_n" '$2 == "plain" && $3 == n { print $4 }' "$1/tests" | median)
		t_instr=$(awk -v n="$t_n" '$2 == "instr" && $3 == n { print $4 }' "$1/tests" | median)
		awk -v n="$t_n" '$3 == n { t[$1 " " $2] = $4 }
			END { for (k in t) { split(k, w, " ")
				if (w[2] == "plain" && t[k] > 0 && (w[1] " instr") in t)
					print t[w[1] " instr"] / t[k] } }' "$1/tests" >"$1/ratios.$t_n"
		if [ -s "$1/ratios.$t_n" ]; then
			t_ratio=$(median <"$1/ratios.$t_n" | awk '{ printf "%.3f", $1 }')
			t_iqr=$(quartiles <"$1/ratios.$t_n")
		else
			t_ratio=- t_iqr=-
		fi
		printf '%4s %-45.45s %8.3f %8.3f %7s %s\n' "$t_n" "$t_name" "$t_plain" "$t_instr" \
			"$t_ratio" "$t_iqr"
	done
}

# sqlite3.c's compile with each compiler, from build()'s GNU time record
bench_sqlite_compile()
{
	[ -n "$gnu_time" ] || {
		echo "sqlite-compile: skipped, GNU time is not installed (package time)"
		return 0
	}
	prepare_sqlite || { echo "sqlite-compile: skipped, $sqlite_why"; return 0; }
	{
		echo
		echo "compile cost (one compile each, GNU time: CPU user + system of the command and its children, peak RSS of the largest process)"
		printf '%-13s %11s %11s %9s %12s %12s %9s\n' file plain_cpu_s instr_cpu_s cpu_ratio \
			plain_rss_mb instr_rss_mb rss_ratio
		awk 'FILENAME ~ /\/plain\// { pc = $2 + $3; pr = $4 }
			FILENAME ~ /\/instr\// { ic = $2 + $3; ir = $4 }
			END { printf "%-13s %11.2f %11.2f %9.3f %12.1f %12.1f %9.3f\n", "sqlite3.c",
				pc, ic, ic / pc, pr / 1024, ir / 1024, ir / pr }' \
			"$work/sqlite/plain/sqlite3.o.time" "$work/sqlite/instr/sqlite3.o.time"
	} >>"$work/tables"
}

# framemap-estimate (not in the default list): what the same programs would
# cost with frame maps made by the compiler in place of the save code
# upstare-cc generates.  framemap.c adds, after every call, an LLVM stack
# map of the locals live there (Documentation/framemaps.rst); clang's IR
# before optimization goes through it, then opt -O2 and llc.  Variants,
# each program's own objects: plain (the benchmarks' plain build), fp
# (plain with frame pointers, as upstare-cc compiles), route (the fp
# source through clang -emit-llvm, opt and llc without stack maps: it must
# match fp, or the route itself costs something), framemap, statepoint
# (the same values as deopt bundles of the calls, made gc.statepoints by
# opt's rewrite-statepoints-for-gc; llc spills them to the stack), stpreg
# (the same, their values in callee-saved registers), and upstare-cc's
# build.  Instructions under cachegrind, the inputs of the
# benchmarks' cachegrind runs; the outputs must match plain's.
fm_tools=""

fm_prepare()
{
	[ -n "$fm_tools" ] && return 0
	for f_t in llvm-config-19 opt-19 llc-19; do
		command -v "$f_t" >/dev/null 2>&1 || { fm_why="$f_t is not installed (package llvm-19, llvm-19-dev)"; return 1; }
	done
	[ -r "$(llvm-config-19 --includedir)/llvm-c/Core.h" ] ||
		{ fm_why="the LLVM C headers are not installed (package llvm-19-dev)"; return 1; }
	# shellcheck disable=SC2046 # llvm-config's words
	"$clang" -O2 -Wall $(llvm-config-19 --cflags) -o "$work/framemap" "$here/framemap.c" \
		$(llvm-config-19 --ldflags) -lLLVM-19 || fail "cannot build framemap"
	fm_tools=1
}

# fm_llc_registers BASE: BASE.bc to BASE.o with the statepoints' values in
# callee-saved registers; llc 19 runs out of registers on a few functions
# (3 of sqlite3.c's), so the module is compiled in 128 parts and a part
# that fails is compiled with its values spilled, as the statepoint variant
# (the local symbols of the unit, named as in other units, stay local)
fm_llc_registers()
{
	rm -rf "$1.parts"
	mkdir "$1.parts"
	llvm-split-19 -j 128 -o "$1.parts/p" "$1.bc" || return 1
	for f_p in "$1.parts"/p*; do
		case $f_p in *.o) continue ;; esac
		llc-19 -O2 -relocation-model=pic -use-registers-for-deopt-values -filetype=obj \
			"$f_p" -o "$f_p.o" 2>/dev/null || {
			echo "$f_p: values spilled (llc ran out of registers)"
			llc-19 -O2 -relocation-model=pic -filetype=obj "$f_p" -o "$f_p.o" || return 1
		}
	done
	# llvm-split makes the unit's internal symbols hidden globals, to
	# link its parts; local again, they cannot clash with another unit's
	ld -r -o "$1.o" "$1.parts"/p*.o && objcopy --localize-hidden "$1.o"
}

# fm_compile VARIANT CPPFLAGS SOURCE BASE: BASE.o, the SOURCE compiled as
# VARIANT (fp, route, framemap, statepoint or stpreg) with frame pointers
fm_compile()
{
	c_v=$1 c_flags=$2 c_src=$3 c_o=$4
	# shellcheck disable=SC2086 # flags are words
	case $c_v in
	fp)
		"$clang" $cflags -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer $c_flags \
			-c "$c_src" -o "$c_o.o" ;;
	*)
		"$clang" $cflags -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer $c_flags \
			-Xclang -disable-llvm-passes -emit-llvm -c "$c_src" -o "$c_o.in.bc" &&
		case $c_v in
		route) cp "$c_o.in.bc" "$c_o.sm.bc" ;;
		framemap) "$work/framemap" "$c_o.in.bc" "$c_o.sm.bc" ;;
		statepoint|stpreg) "$work/framemap" -d "$c_o.in.bc" "$c_o.sm.bc" ;;
		esac &&
		opt-19 -passes='default<O2>' "$c_o.sm.bc" -o "$c_o.o2.bc" &&
		case $c_v in
		statepoint|stpreg)
			opt-19 -passes=rewrite-statepoints-for-gc "$c_o.o2.bc" -o "$c_o.bc" ;;
		*) mv "$c_o.o2.bc" "$c_o.bc" ;;
		esac &&
		if [ "$c_v" = stpreg ]; then
			fm_llc_registers "$c_o"
		else
			llc-19 -O2 -relocation-model=pic -filetype=obj "$c_o.bc" -o "$c_o.o"
		fi ;;
	esac
}

# fm_build NAME VARIANT CPPFLAGS SOURCE...: $work/NAME/VARIANT/prog
fm_build()
{
	f_name=$1 f_v=$2 f_flags=$3
	shift 3
	f_dir=$work/$f_name/$f_v
	mkdir -p "$f_dir"
	f_objs=""
	for f_src in "$@"; do
		f_o=$f_dir/$(basename "${f_src%.c}")
		fm_compile "$f_v" "$f_flags" "$f_src" "$f_o" >>"$f_dir/build.log" 2>&1 || {
			tail -n 30 "$f_dir/build.log" >&2
			fail "$f_name: $f_v build of $f_src failed (log: $f_dir/build.log)"
		}
		f_objs="$f_objs $f_o.o"
	done
	# shellcheck disable=SC2086
	"$clang" $cflags -o "$f_dir/prog" $f_objs -lm >>"$f_dir/build.log" 2>&1 ||
		fail "$f_name: $f_v link failed (log: $f_dir/build.log)"
}

# variant_counts NAME FILTER "VARIANT..." ARG...: for each build
# $work/NAME/VARIANT/prog, its instructions on ARG... and its program .text,
# on one line; every variant's output checked against the first's
variant_counts()
{
	v_name=$1 v_filter=$2 v_list=$3
	shift 3
	v_out=""
	v_first=""
	for v_v in $v_list; do
		v_p=$work/$v_name/$v_v/prog
		"$v_p" "$@" >"$work/$v_name/$v_v.out" 2>"$work/$v_name/$v_v.err" </dev/null ||
			fail "$v_name: the $v_v build's run failed"
		run_output "$work/$v_name/$v_v" "$v_filter" >"$work/$v_name/$v_v.cmp"
		if [ -z "$v_first" ]; then
			v_first=$v_v
		else
			cmp -s "$work/$v_name/$v_first.cmp" "$work/$v_name/$v_v.cmp" ||
				fail "$v_name: the $v_v build printed something else than $v_first"
		fi
		# shellcheck disable=SC2046
		v_out="$v_out $(insn_count "$v_p" "$@") $(text_size $(ls "$work/$v_name/$v_v"/*.o))"
	done
	echo "$v_out"
}

# fm_row NAME FILTER ARG...: one line of the table, outputs checked
fm_row()
{
	r_name=$1 r_filter=$2
	shift 2
	r_out=$(variant_counts "$r_name" "$r_filter" "plain fp route framemap statepoint stpreg instr" "$@")
	echo "$r_name $r_out" | awk '{
		printf "%-10s %10.1f", $1, $2 / 1e6
		for (i = 4; i <= 14; i += 2) printf " %9.3f", $i / $2
		printf "  %9.3f", $8 / $4
		for (i = 5; i <= 15; i += 2) printf " %8.3f", $i / $3
		printf "\n"
		if ($6 / $4 > 1.01 || $6 / $4 < 0.99)
			printf "%s: the route alone moves the count by %.3f: the estimate is off by as much\n", $1, $6 / $4 }'
}

bench_framemap_estimate()
{
	fm_why=""
	fm_prepare || { echo "framemap-estimate: skipped, $fm_why"; return 0; }
	{
		echo
		echo "framemap-estimate: stack maps after calls in place of the save code (instructions and program .text, / plain; fm/fp: framemap / fp)"
		printf '%-10s %10s %9s %9s %9s %9s %9s %9s  %9s %8s %8s %8s %8s %8s %8s\n' \
			program plain_Minsn fp route framemap statepnt stpreg upstare fm/fp \
			text_fp text_rt text_fm text_sp text_sr text_up
		if prepare_bzip2; then
			for f_v in fp route framemap statepoint stpreg; do
				# shellcheck disable=SC2086 # the list's words
				fm_build fm-bzip2 "$f_v" "-D_FILE_OFFSET_BITS=64" $bzip2_sources
			done
			ln -sfn ../bzip2/plain "$work/fm-bzip2/plain"
			ln -sfn ../bzip2/instr "$work/fm-bzip2/instr"
			fm_row fm-bzip2 all -9 -c "$bzip2_small"
		else
			echo "bzip2: skipped, its source package cannot be fetched"
		fi
		if prepare_sqlite; then
			for f_v in fp route framemap statepoint stpreg; do
				fm_build fm-sqlite "$f_v" "$sqlite_flags -I$s_amal" "$s_amal/sqlite3.c" \
					"$sqlite_src/test/speedtest1.c"
			done
			ln -sfn ../sqlite/plain "$work/fm-sqlite/plain"
			ln -sfn ../sqlite/instr "$work/fm-sqlite/instr"
			fm_row fm-sqlite speedtest --memdb --verify --size 25
		else
			echo "sqlite: skipped, $sqlite_why"
		fi
		fm_read
	} >>"$work/tables"
}

# The run-time half, on one program: locals read back from its native
# frames through its statepoint records (framemap-read.c), spilled and in
# callee-saved registers
fm_read()
{
	f_dir=$work/fm-read
	f_src=$here/framemap-read.c
	mkdir -p "$f_dir"
	{
		fm_compile statepoint "" "$f_src" "$f_dir/spilled" &&
		fm_compile stpreg "" "$f_src" "$f_dir/registers" &&
		"$clang" $cflags -fno-omit-frame-pointer -DFRAMEMAP_READER -c "$f_src" \
			-o "$f_dir/reader.o" &&
		"$clang" -o "$f_dir/spilled" "$f_dir/spilled.o" "$f_dir/reader.o" -ldw -lelf &&
		"$clang" -o "$f_dir/registers" "$f_dir/registers.o" "$f_dir/reader.o" -ldw -lelf
	} >"$f_dir/build.log" 2>&1 || fail "framemap-read: build failed (log: $f_dir/build.log)"
	for f_v in spilled registers; do
		echo
		echo "framemap-read, values $f_v:"
		"$f_dir/$f_v" ||
			fail "framemap-read: the values read from the frames are not the program's ($f_v)"
	done
}

# The saves as code (upstare-cc --no-records, instrumentor.rst), as before
# they were stack-map records: bzip2 and SQLite built that way too, their
# instructions (the cachegrind inputs) and program .text against plain,
# beside the default build's
bench_save_code()
{
	{
		echo
		echo "save-code: upstare-cc --no-records (the saves as code) beside the default, / plain"
		printf '%-10s %10s %9s %9s %9s %9s\n' program plain_Minsn insn_in insn_code text_in text_code
		if prepare_bzip2; then
			# shellcheck disable=SC2086 # the list's words
			build bzip2 code "$upcc" "--no-records -D_FILE_OFFSET_BITS=64" $bzip2_sources
			code_row bzip2 all -9 -c "$bzip2_small"
		else
			echo "bzip2: skipped, its source package cannot be fetched"
		fi
		if prepare_sqlite; then
			build sqlite code "$upcc" "--no-records $sqlite_flags -I$s_amal" \
				"$s_amal/sqlite3.c" "$sqlite_src/test/speedtest1.c"
			code_row sqlite speedtest --memdb --verify --size 25
		else
			echo "sqlite: skipped, $sqlite_why"
		fi
	} >>"$work/tables"
}

code_row()
{
	r_name=$1 r_filter=$2
	shift 2
	r_out=$(variant_counts "$r_name" "$r_filter" "plain instr code" "$@")
	# "-" for the instructions without valgrind
	echo "$r_name $r_out" | awk '{
		if ($2 + 0 > 0)
			printf "%-10s %10.1f %9.3f %9.3f", $1, $2 / 1e6, $4 / $2, $6 / $2
		else
			printf "%-10s %10s %9s %9s", $1, "-", "-", "-"
		printf " %9.3f %9.3f\n", $5 / $3, $7 / $3 }'
}

all="bubble kissfft kissfft-real bzip2-compress bzip2-decompress sqlite-speedtest1 sqlite-compile save-code"
# shellcheck disable=SC2086 # the list's words
[ $# -gt 0 ] || set -- $all
for b in "$@"; do
	case " $all framemap-estimate " in
	*" $b "*) ;;
	*) fail "$b: no such benchmark ($(echo "$all framemap-estimate" | sed 's/ /, /g'))" ;;
	esac
done

echo "instrumented ($upcc) against plain ($clang), $cflags, median of $pairs pairs"
# other work on the machine makes the numbers noisy: say how busy it is
if [ -r /proc/loadavg ]; then
	read -r load _ </proc/loadavg
	echo "load average $load on $(getconf _NPROCESSORS_ONLN) CPUs"
fi
header
for b in "$@"; do
	case $b in
	bubble) bench_bubble ;;
	kissfft) bench_kissfft ;;
	kissfft-real) bench_kissfft_real ;;
	bzip2-compress) bench_bzip2_compress ;;
	bzip2-decompress) bench_bzip2_decompress ;;
	sqlite-speedtest1) bench_sqlite_speedtest1 ;;
	sqlite-compile) bench_sqlite_compile ;;
	framemap-estimate) bench_framemap_estimate ;;
	save-code) bench_save_code ;;
	esac
done
echo "ratios: instrumented / plain; '!' marks a ratio above its target"
cat "$work/tables"

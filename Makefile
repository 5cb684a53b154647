# SPDX-License-Identifier: GPL-2.0
#
# UpStare top-level Makefile.
#
#   make            build everything into $(O) (default: build/)
#   make deps       install the Debian packages the build and tests need
#   make check      run the selftests (the CI test command)
#   make check-long the selftests with the long cases (1000 csmith programs, ...)
#   make demo       update a running TCP server live (root)
#   make bench      benchmarks: ratios measured side by side in one run
#   make bench-observe  the observation benchmark alone (root)
#   make install    install into $(DESTDIR)$(prefix)
#   make clean      remove $(O)
#   make V=1        show full commands

.DELETE_ON_ERROR:
.SUFFIXES:

O ?= build
override O := $(abspath $(O))
SRC := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
prefix ?= /usr/local
DESTDIR ?=

LLVM_DIR ?= /usr/lib/llvm-19
CLANG ?= clang-19
CC := $(CLANG)
BPFTOOL ?= bpftool
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
AR ?= ar

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(patsubst $(O)/%,%,$(2))";
endif

CFLAGS ?= -O2 -g
BASE_CFLAGS := -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer $(CFLAGS)
# Each object's header dependencies come from the compiler (foo.o -> foo.d,
# read at the end of this file): an object is rebuilt when a header it
# includes changes, and only then.
DEPFLAGS := -MMD -MP

# Debian packages: the build, the tests, the demo and the benchmarks.
DEPS := clang-19 libclang-19-dev llvm-19 libbpf-dev bpftool libelf-dev libdw-dev \
	libncurses-dev csmith libcsmith-dev pkg-config make dpkg-dev ftp tmux \
	ca-certificates tcl libclang-rt-19-dev python3-docutils util-linux valgrind \
	cmake patch time perl tcl-dev llvm-19-dev

BIN := $(O)/bin
LIB := $(O)/lib
OBJ := $(O)/obj

all: instrumentor userlib controller selftests man

help:
	@sed -n 's/^#   //p' $(SRC)/Makefile

deps:
	$(SRC)/selftests/install-deps.sh $(DEPS)

# ---------------------------------------------------------------- userlib
RT_SRCS := $(wildcard $(SRC)/userlib/*.c)
RT_OBJS := $(patsubst $(SRC)/userlib/%.c,$(OBJ)/userlib/%.o,$(RT_SRCS))
# libupstare is linked into every instrumented program and runs on blocking
# calls, unwinds and updates, never in the program's loops: optimize it for
# size (make RT_OPT= keeps CFLAGS' level)
RT_OPT ?= -Os
# Debian 12's valgrind (3.19) gives up on a program whose debug information
# has several DWARF 5 units from clang 19 ("Possibly corrupted debuginfo
# file"): libupstare's is DWARF 4, so that instrumented programs can be
# run under valgrind
RT_DEBUG ?= -gdwarf-4

userlib: $(LIB)/libupstare.a $(O)/include/upstare.h

$(OBJ)/userlib/%.o: $(SRC)/userlib/%.c | $(OBJ)/userlib
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(DEPFLAGS) $(RT_OPT) $(RT_DEBUG) -fPIC $(GEN_INC) -I$(SRC)/userlib/include -c $< -o $@

# transition.c names a blocked thread's system call from the generated table
$(OBJ)/userlib/transition.o: | $(O)/gen/syscalls.h
$(OBJ)/userlib/transition.o: private GEN_INC := -I$(O)/gen

$(LIB)/libupstare.a: $(RT_OBJS) | $(LIB)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/include/upstare.h: $(SRC)/userlib/include/upstare.h | $(O)/include
	$(Q)cp $< $@

# ------------------------------------------------------------ tools' library
# What every tool reads the same way, whichever binary it is in: JSON,
# ELF files (elfread.c) and the .upstare metadata (upmeta.c).  upstare-cc,
# upstared, upstarectl, upstare-top and the test runner link it; it is
# named against libupstare.a, the runtime linked into programs, and is
# not installed.
TOOLS_OBJS := $(addprefix $(OBJ)/controller/,json.o elfread.o upmeta.o)
TOOLS_LIB := $(LIB)/libupstare-tools.a

$(TOOLS_LIB): $(TOOLS_OBJS) | $(LIB)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# ----------------------------------------------------------- instrumentor
INS_SRCS := $(wildcard $(SRC)/instrumentor/*.c)
INS_OBJS := $(patsubst $(SRC)/instrumentor/%.c,$(OBJ)/instrumentor/%.o,$(INS_SRCS))

instrumentor: $(BIN)/upstare-cc

# The ABI header that generated code is compiled against, as a C string.
$(O)/gen/abi-prelude.h: $(SRC)/userlib/include/upstare-abi.h | $(O)/gen
	$(call msg,GEN,$@)
	$(Q){ echo 'static const char abi_prelude[] ='; \
	  sed -e '/^#/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&\\n"/' $<; \
	  echo ';'; } > $@

# Objects that include a generated header wait for it on a clean build
# (order-only: afterwards their .d files say when to rebuild them), and only
# they have $(O)/gen on their include path, so including a generated header
# from an object not listed here fails on every build, not only when -j
# happens to compile that object first.
$(OBJ)/instrumentor/instrument.o $(OBJ)/instrumentor/patch.o: | $(O)/gen/abi-prelude.h
$(OBJ)/instrumentor/instrument.o $(OBJ)/instrumentor/patch.o: private GEN_INC := -I$(O)/gen

$(OBJ)/instrumentor/%.o: $(SRC)/instrumentor/%.c | $(OBJ)/instrumentor
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(DEPFLAGS) -I$(LLVM_DIR)/include $(GEN_INC) -I$(SRC)/userlib/include \
		-I$(SRC)/controller -c $< -o $@

# the patch generator reads ELF files and the metadata with the tools' library
$(BIN)/upstare-cc: $(INS_OBJS) $(TOOLS_LIB) | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@ -L$(LLVM_DIR)/lib -Wl,-rpath,$(LLVM_DIR)/lib \
		-lclang -lLLVM-19 -lelf

# ------------------------------------------------------- bpf + controller
# vmlinux.h comes from the running kernel's BTF, skeletons from bpftool:
# both are generated here, never committed.
BPF_SRCS := $(wildcard $(SRC)/bpf/*.bpf.c)
BPF_OBJS := $(patsubst $(SRC)/bpf/%.bpf.c,$(OBJ)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst $(SRC)/bpf/%.bpf.c,$(O)/gen/%.skel.h,$(BPF_SRCS))
CTL_OBJS := $(patsubst $(SRC)/controller/%.c,$(OBJ)/controller/%.o,$(wildcard $(SRC)/controller/*.c))
CTL_COMMON := $(OBJ)/controller/client.o $(TOOLS_LIB)
# The constraint-file library has no dependency beyond libc: the runner's
# tests and the fuzzer link it directly.
CONS_SRCS := $(wildcard $(SRC)/controller/constraints_*.c)
CONS_OBJS := $(patsubst $(SRC)/controller/%.c,$(OBJ)/controller/%.o,$(CONS_SRCS))
# upstared drives updates with the same code as upstarectl update --direct:
# the update driver, its report and its check barrier, and target.c.
UPDATE_OBJS := update.o update_report.o update_barrier.o target.o
UPSTARED_OBJS := $(addprefix $(OBJ)/controller/,upstared.o upstared_registry.o \
	upstared_requests.o bpfobs.o readiness.o \
	$(UPDATE_OBJS) progmeta.o) $(CONS_OBJS)
# upstarectl is one binary: upstarectl.c dispatches to one ctl_*.c per command.
UPSTARECTL_OBJS := $(OBJ)/controller/upstarectl.o $(CONS_OBJS) \
	$(OBJ)/controller/progmeta.o $(addprefix $(OBJ)/controller/,$(UPDATE_OBJS)) \
	$(patsubst $(SRC)/controller/%.c,$(OBJ)/controller/%.o,$(wildcard $(SRC)/controller/ctl_*.c))
TOP_OBJS := $(OBJ)/controller/top.o $(CONS_OBJS)

.SECONDARY: $(BPF_OBJS) $(BPF_SKELS)

controller: $(BIN)/upstared $(BIN)/upstarectl $(BIN)/upstare-top

$(O)/gen/vmlinux.h: | $(O)/gen
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(OBJ)/bpf/%.bpf.o: $(SRC)/bpf/%.bpf.c $(wildcard $(SRC)/bpf/*.h) \
		$(SRC)/userlib/include/upstare-slot.h $(O)/gen/vmlinux.h | $(OBJ)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall \
		-I$(O)/gen -I$(SRC)/bpf -I$(SRC)/userlib/include -c $< -o $@

$(O)/gen/%.skel.h: $(OBJ)/bpf/%.bpf.o | $(O)/gen
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# System call names for the readiness view and the runtime's refusals, from
# the installed kernel headers.
$(O)/gen/syscalls.h: /usr/include/x86_64-linux-gnu/asm/unistd_64.h | $(O)/gen
	$(call msg,GEN,$@)
	$(Q){ echo 'static const char *const syscall_names[] = {'; \
	  sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9]*\)$$/[\2] = "\1",/p' $<; \
	  echo '};'; } > $@

# As for the instrumentor: bpfobs.c includes the skeletons, readiness.c the
# system call names; no other controller object waits for bpftool.
$(OBJ)/controller/bpfobs.o: | $(BPF_SKELS)
$(OBJ)/controller/readiness.o: | $(O)/gen/syscalls.h
$(OBJ)/controller/bpfobs.o $(OBJ)/controller/readiness.o: private GEN_INC := -I$(O)/gen

$(OBJ)/controller/%.o: $(SRC)/controller/%.c | $(OBJ)/controller
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(DEPFLAGS) $(GEN_INC) -I$(SRC)/bpf -I$(SRC)/userlib/include -c $< -o $@

$(BIN)/upstared: $(UPSTARED_OBJS) $(CTL_COMMON) | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@ -lbpf -ldw -lelf -lz

$(BIN)/upstarectl: $(UPSTARECTL_OBJS) $(CTL_COMMON) | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@ -lelf

$(BIN)/upstare-top: $(TOP_OBJS) $(CTL_COMMON) | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@ -lncursesw

# ------------------------------------------------------------- man pages
RST2MAN ?= rst2man
MAN_PAGES := $(O)/man/upstared.8 $(O)/man/upstarectl.1 $(O)/man/upstare-top.1

man: $(MAN_PAGES)

$(O)/man/%.8 $(O)/man/%.1: $(SRC)/Documentation/%.rst | $(O)/man
	$(call msg,MAN,$@)
	$(Q)$(RST2MAN) --quiet $< $@

# libFuzzer target for the constraint parser (selftests/fuzz/, run by the
# constraints/fuzz cases).
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer

$(O)/fuzz/cons-fuzz: $(SRC)/selftests/fuzz/cons_fuzz.c $(CONS_SRCS) \
		$(SRC)/controller/constraints.h $(SRC)/controller/constraints_internal.h | $(O)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CC) $(FUZZ_FLAGS) -I$(SRC)/controller $(filter %.c,$^) -o $@

# -------------------------------------------------------------- selftests
TEST_SRCS := $(wildcard $(SRC)/selftests/*.c)
TEST_OBJS := $(patsubst $(SRC)/selftests/%.c,$(OBJ)/selftests/%.o,$(TEST_SRCS))

selftests: $(O)/selftests/runner $(O)/fuzz/cons-fuzz

$(OBJ)/selftests/%.o: $(SRC)/selftests/%.c | $(OBJ)/selftests
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $(DEPFLAGS) -I$(SRC)/selftests -I$(SRC)/controller -I$(SRC)/userlib/include -c $< -o $@

$(O)/selftests/runner: $(TEST_OBJS) $(CONS_OBJS) $(TOOLS_LIB) | $(O)/selftests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@

TEST_ENV = UPSTARE_BUILD=$(O) UPSTARE_SRC=$(SRC) UPSTARE_CLANG=$(CLANG)

check: all
	$(TEST_ENV) $(O)/selftests/runner $(T)

check-long: all
	$(TEST_ENV) $(O)/selftests/runner --long $(T)

demo: all
	$(TEST_ENV) $(SRC)/selftests/demo/demo.sh

bench: all $(O)/selftests/obsbench
	$(TEST_ENV) $(SRC)/selftests/bench/run-bench.sh
	$(TEST_ENV) $(SRC)/selftests/bench/pause-bench.sh
	$(TEST_ENV) $(O)/selftests/runner --bench -v 'bench/*'
	$(O)/selftests/obsbench $(BIN)/upstared

# Observation costs only (root): getppid, pipe round trip, 64-thread snapshot.
bench-observe: all $(O)/selftests/obsbench
	$(O)/selftests/obsbench $(BIN)/upstared

$(OBJ)/selftests/bench/obsbench.o: | $(OBJ)/selftests/bench

$(O)/selftests/obsbench: $(OBJ)/selftests/bench/obsbench.o $(CTL_COMMON) | $(O)/selftests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@ -lpthread -lm

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(prefix)/bin $(DESTDIR)$(prefix)/lib/upstare \
		$(DESTDIR)$(prefix)/include
	install -m 755 $(BIN)/upstare-cc $(BIN)/upstarectl $(BIN)/upstare-top \
		$(DESTDIR)$(prefix)/bin/
	install -d $(DESTDIR)$(prefix)/sbin
	install -m 755 $(BIN)/upstared $(DESTDIR)$(prefix)/sbin/
	install -d $(DESTDIR)$(prefix)/share/man/man1 $(DESTDIR)$(prefix)/share/man/man8
	install -m 644 $(O)/man/upstared.8 $(DESTDIR)$(prefix)/share/man/man8/
	install -m 644 $(O)/man/upstarectl.1 $(O)/man/upstare-top.1 $(DESTDIR)$(prefix)/share/man/man1/
	install -m 644 $(LIB)/libupstare.a $(DESTDIR)$(prefix)/lib/upstare/
	install -m 644 $(SRC)/userlib/include/upstare.h $(DESTDIR)$(prefix)/include/

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

$(O)/gen $(LIB) $(BIN) $(O)/include $(O)/selftests $(OBJ)/userlib $(OBJ)/instrumentor $(OBJ)/selftests \
$(OBJ)/bpf $(OBJ)/controller $(OBJ)/selftests/bench $(O)/man $(O)/fuzz:
	$(Q)mkdir -p $@

# The header dependencies the compiler wrote (DEPFLAGS). An object without
# its .d (deleted, or compiled before these rules had -MMD) is compiled
# again rather than trusted to be up to date.
DEP_OBJS := $(RT_OBJS) $(INS_OBJS) $(CTL_OBJS) $(TEST_OBJS) $(OBJ)/selftests/bench/obsbench.o
DEP_FILES := $(wildcard $(DEP_OBJS:.o=.d))
include $(DEP_FILES)
$(filter-out $(DEP_FILES:.d=.o),$(DEP_OBJS)): FORCE
FORCE:

.PHONY: all help deps userlib instrumentor controller man selftests check check-long demo bench \
	bench-observe install clean FORCE

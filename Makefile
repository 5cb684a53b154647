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

# Debian packages: the build, the tests, the demo and the benchmarks.
DEPS := clang-19 libclang-19-dev llvm-19 libbpf-dev bpftool libelf-dev libdw-dev \
	libncurses-dev csmith libcsmith-dev pkg-config make dpkg-dev ftp tmux \
	ca-certificates tcl

BIN := $(O)/bin
LIB := $(O)/lib
OBJ := $(O)/obj

all: instrumentor userlib controller selftests

help:
	@sed -n 's/^#   //p' $(SRC)/Makefile

deps:
	$(SRC)/selftests/install-deps.sh $(DEPS)

# ---------------------------------------------------------------- userlib
RT_SRCS := $(wildcard $(SRC)/userlib/*.c)
RT_OBJS := $(patsubst $(SRC)/userlib/%.c,$(OBJ)/userlib/%.o,$(RT_SRCS))
RT_HDRS := $(wildcard $(SRC)/userlib/*.h $(SRC)/userlib/include/*.h)

userlib: $(LIB)/libupstare.a $(O)/include/upstare.h

$(OBJ)/userlib/%.o: $(SRC)/userlib/%.c $(RT_HDRS) | $(OBJ)/userlib
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -fPIC -I$(SRC)/userlib/include -c $< -o $@

$(LIB)/libupstare.a: $(RT_OBJS) | $(LIB)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(O)/include/upstare.h: $(SRC)/userlib/include/upstare.h | $(O)/include
	$(Q)cp $< $@

# ----------------------------------------------------------- instrumentor
INS_SRCS := $(wildcard $(SRC)/instrumentor/*.c)
INS_OBJS := $(patsubst $(SRC)/instrumentor/%.c,$(OBJ)/instrumentor/%.o,$(INS_SRCS))
INS_HDRS := $(wildcard $(SRC)/instrumentor/*.h) $(O)/gen/abi-prelude.h

instrumentor: $(BIN)/upstare-cc

# The ABI header that generated code is compiled against, as a C string.
$(O)/gen/abi-prelude.h: $(SRC)/userlib/include/upstare-abi.h | $(O)/gen
	$(call msg,GEN,$@)
	$(Q){ echo 'static const char abi_prelude[] ='; \
	  sed -e '/^#/d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&\\n"/' $<; \
	  echo ';'; } > $@

$(OBJ)/instrumentor/%.o: $(SRC)/instrumentor/%.c $(INS_HDRS) | $(OBJ)/instrumentor
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -I$(LLVM_DIR)/include -I$(O)/gen -I$(SRC)/userlib/include \
		-c $< -o $@

$(BIN)/upstare-cc: $(INS_OBJS) | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@ -L$(LLVM_DIR)/lib -Wl,-rpath,$(LLVM_DIR)/lib \
		-lclang -lelf

# ------------------------------------------------------------- controller
# upstarectl is one binary: upstarectl.c dispatches to one ctl_*.c per command.
CTL_SRCS := $(SRC)/controller/upstarectl.c $(wildcard $(SRC)/controller/ctl_*.c)
CTL_OBJS := $(patsubst $(SRC)/controller/%.c,$(OBJ)/controller/%.o,$(CTL_SRCS))

controller: $(BIN)/upstarectl

$(OBJ)/controller/%.o: $(SRC)/controller/%.c $(wildcard $(SRC)/controller/*.h) \
		$(SRC)/userlib/include/upstare-ctl.h | $(OBJ)/controller
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -I$(SRC)/userlib/include -c $< -o $@

$(BIN)/upstarectl: $(CTL_OBJS) | $(BIN)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@ -lelf

# -------------------------------------------------------------- selftests
TEST_SRCS := $(wildcard $(SRC)/selftests/*.c)
TEST_OBJS := $(patsubst $(SRC)/selftests/%.c,$(OBJ)/selftests/%.o,$(TEST_SRCS))

selftests: $(O)/selftests/runner

$(OBJ)/selftests/%.o: $(SRC)/selftests/%.c $(wildcard $(SRC)/selftests/*.h) | $(OBJ)/selftests
	$(call msg,CC,$@)
	$(Q)$(CC) $(BASE_CFLAGS) -I$(SRC)/selftests -c $< -o $@

$(O)/selftests/runner: $(TEST_OBJS) | $(O)/selftests
	$(call msg,LINK,$@)
	$(Q)$(CC) $(BASE_CFLAGS) $^ -o $@

TEST_ENV = UPSTARE_BUILD=$(O) UPSTARE_SRC=$(SRC) UPSTARE_CLANG=$(CLANG)

check: all
	$(TEST_ENV) $(O)/selftests/runner $(T)

check-long: all
	$(TEST_ENV) $(O)/selftests/runner --long $(T)

demo: all
	$(TEST_ENV) $(SRC)/examples/demo.sh

bench: all
	$(TEST_ENV) $(SRC)/selftests/bench/run-bench.sh
	$(TEST_ENV) $(SRC)/selftests/bench/pause-bench.sh

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(prefix)/bin $(DESTDIR)$(prefix)/lib/upstare \
		$(DESTDIR)$(prefix)/include
	install -m 755 $(BIN)/upstare-cc $(BIN)/upstarectl $(DESTDIR)$(prefix)/bin/
	install -m 644 $(LIB)/libupstare.a $(DESTDIR)$(prefix)/lib/upstare/
	install -m 644 $(SRC)/userlib/include/upstare.h $(DESTDIR)$(prefix)/include/

clean:
	$(call msg,CLEAN,$(O))
	$(Q)rm -rf $(O)

$(O)/gen $(LIB) $(BIN) $(O)/include $(O)/selftests $(OBJ)/userlib $(OBJ)/instrumentor $(OBJ)/controller $(OBJ)/selftests:
	$(Q)mkdir -p $@

.PHONY: all help deps userlib instrumentor controller selftests check check-long demo bench install clean

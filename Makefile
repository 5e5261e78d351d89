# distribute - run benchmark campaigns across a pool of SSH machines.
#
#   make deps            install build dependencies (Debian, apt-get)
#   make                 build ./distribute
#   make check           deps + test deps + build + all tests
#   make check SANITIZE=1   the same under ASan+UBSan
#   make demo            a run on a local demo cluster of 3 sshd machines
#   make bench           the scheduler's benchmarks beside GNU parallel
#   make fuzz            fuzz the JSON reader (clang's libFuzzer, ASan)
#   make install PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	 = $(PREFIX)/bin
DATADIR	 = $(PREFIX)/share/distribute
MANDIR	 = $(PREFIX)/share/man

PKGS	 = libssh libarchive libxml-2.0 libcurl libesmtp-1.0 openssl jansson \
	   sqlite3 libpq
CC	?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN	 = -std=c11 -Wall -Wextra -Werror -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes -Wshadow -Wvla -Wwrite-strings -fno-common
CFLAGS	?= -O2 -g
ALL_CFLAGS = $(WARN) -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -fstack-protector-strong \
	   -pthread -Imaster $(PKG_CFLAGS) $(CFLAGS)
LDLIBS	 = $(PKG_LIBS) -lm -pthread

ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer -O1
LDFLAGS	+= -fsanitize=address,undefined
endif

# master/ holds the CLI (distribute.c, cmd-*.c); every folder under it is a
# part of the library (lib/ input/ ssh/ results/ store/ notify/ run/ ...): a new
# file or folder is built without a list to edit.  run/scripts.c is
# generated from client-scripts/.
GEN_SRCS = master/run/scripts.c master/run/helper-bin.c
CLI_SRCS = master/distribute.c $(wildcard master/cmd-*.c)
LIB_SRCS = $(filter-out $(GEN_SRCS), $(wildcard master/*/*.c)) $(GEN_SRCS)
# A source left in master/ itself would not be built: say so (master/scripts.c
# is where older trees generated the scripts; make clean removes it).
STRAY_SRCS = $(filter-out $(CLI_SRCS) master/scripts.c, \
	     $(wildcard master/*.c))
ifneq ($(STRAY_SRCS),)
$(error $(STRAY_SRCS): a library source goes into a folder of master/ \
	(README, Layout))
endif
LIB_OBJS = $(LIB_SRCS:.c=.o)
CLI_OBJS = $(CLI_SRCS:.c=.o)
UNIT_SRCS = $(wildcard tests/unit/test-*.c)
UNIT_BINS = $(UNIT_SRCS:.c=)
HELPER_SRCS = $(wildcard tests/helpers/*.c)
HELPER_BINS = $(HELPER_SRCS:.c=)
# Each compile writes the headers it read (X.d): -include'd below.
DEPFLAGS = -MMD -MP
DEPS	 = $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UNIT_BINS:=.d) $(HELPER_BINS:=.d)
SCRIPTS	 = $(wildcard client-scripts/*.sh)

all: distribute

# Rebuild everything when the flags change (redis's persist-settings).
.build-flags: FORCE
	@echo '$(ALL_CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(ALL_CFLAGS) $(LDFLAGS)' >$@

master/%.o: master/%.c .build-flags
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c -o $@ $<

master/run/scripts.c: $(SCRIPTS) tests/embed.sh
	sh tests/embed.sh $(SCRIPTS) >$@.tmp && mv $@.tmp $@

# The worker's per-job supervisor in C (client-scripts/dist-helper.c),
# static with musl (musl-tools) so that any x86_64 Linux runs it whatever
# its libc; embedded into the binary (run/helper-bin.c), pushed to each
# worker once.  Without musl-gcc nothing is embedded: the workers use the
# agent's sh supervisor.
HELPER_CC := $(shell command -v musl-gcc 2>/dev/null)
HELPER_BIN = $(if $(HELPER_CC),client-scripts/dist-helper)

HELPER_C = $(wildcard client-scripts/dist-helper*.c)

client-scripts/dist-helper: $(HELPER_C) client-scripts/dist-helper.h
	$(HELPER_CC) -static -Os -s $(WARN) -o $@ $(HELPER_C)

master/run/helper-bin.c: $(HELPER_C) $(HELPER_BIN) \
	    tests/embed-helper.sh
	sh tests/embed-helper.sh client-scripts/dist-helper.c $(HELPER_BIN) \
	    >$@.tmp && mv $@.tmp $@

master/libdistribute.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $(LIB_OBJS)

distribute: $(CLI_OBJS) master/libdistribute.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) master/libdistribute.a $(LDLIBS)

tests/unit/%: tests/unit/%.c master/libdistribute.a .build-flags
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d $(LDFLAGS) -o $@ $< \
	    master/libdistribute.a $(LDLIBS)

tests/helpers/%: tests/helpers/%.c master/libdistribute.a .build-flags
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -MF $@.d $(LDFLAGS) -o $@ $< \
	    master/libdistribute.a $(LDLIBS)

-include $(DEPS)

unit: $(UNIT_BINS) $(HELPER_BINS)

# Build dependencies, from Debian's packages (idempotent).
BUILD_DEPS = libssh-dev libarchive-dev libxml2-dev libcurl4-openssl-dev \
	     libesmtp-dev libssl-dev libjansson-dev libsqlite3-dev libpq-dev \
	     pkg-config gcc make musl-tools
TEST_DEPS  = openssh-server openssh-client shellcheck tcsh python3-aiosmtpd \
	     python3-scipy iproute2 procps bzip2 xz-utils zip openssl time \
	     libxml2-utils postgresql sqlite3 strace
deps:
	@sh tests/apt-install.sh $(BUILD_DEPS)

test-deps: deps
	@sh tests/apt-install.sh $(TEST_DEPS)

check-scripts:
	shellcheck -s sh client-scripts/*.sh tests/*.sh

check: test-deps
	$(MAKE) all unit
	sh tests/run.sh $(T)

demo: test-deps
	$(MAKE) all
	sh tests/demo.sh

# Benchmarks of the scheduler itself, beside GNU parallel (tests/perf/).
bench: test-deps
	@sh tests/apt-install.sh parallel time
	$(MAKE) all
	sh tests/perf/bench.sh

# Fuzz the JSON reader and writer (libFuzzer: clang, libclang-rt-14-dev);
# the corpus stays in tests/fuzz/corpus, out of git.
FUZZ_TIME ?= 300
FUZZ_SRCS = master/lib/json-read.c master/lib/json-write.c \
	    master/lib/json-utf8.c master/lib/util.c
tests/fuzz/fuzz-json: tests/fuzz/fuzz-json.c $(FUZZ_SRCS) master/lib/*.h
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -std=c11 -D_GNU_SOURCE -Imaster \
	    $(PKG_CFLAGS) -o $@ tests/fuzz/fuzz-json.c $(FUZZ_SRCS) \
	    $(PKG_LIBS) -lm -pthread

fuzz: tests/fuzz/fuzz-json
	mkdir -p tests/fuzz/corpus
	tests/fuzz/fuzz-json -max_total_time=$(FUZZ_TIME) -max_len=8192 \
	    -timeout=10 tests/fuzz/corpus tests/data/metrics

install: distribute
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 distribute $(DESTDIR)$(BINDIR)/distribute
	install -m 644 $(SCRIPTS) $(DESTDIR)$(DATADIR)/
	install -m 644 machines.example $(DESTDIR)$(DATADIR)/
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	for f in man/*.5; do [ -f "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(MANDIR)/man5/; done; true

clean:
	rm -f distribute master/*.o master/*/*.o master/*.d master/*/*.d \
	    master/libdistribute.a $(GEN_SRCS) $(GEN_SRCS).tmp master/scripts.c \
	    $(DEPS) \
	    $(UNIT_BINS) $(HELPER_BINS) tests/fuzz/fuzz-json .build-flags \
	    client-scripts/dist-helper
	rm -rf tests/logs

.PHONY: all unit deps test-deps check check-scripts demo bench fuzz install \
	clean FORCE

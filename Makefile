# latscope build. `make` builds everything into build/ (SAN=1: build-san/ with
# ASan+UBSan). See README.md for the two entry points (`make run`, `make test`).

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SANFLAGS :=
endif

CC ?= cc
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)

VERSION := 0.1.0
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -DLS_VERSION=\"$(VERSION)\" \
	  -Iinclude -Ilib -I$(BUILD) $(SANFLAGS)
LDFLAGS += $(SANFLAGS)
BPF_CFLAGS := -target bpf -g -O2 -D__TARGET_ARCH_x86 -Wall -Werror -Iinclude -Ibpf -I$(ARCH_INC)

# maps.bpf.c (the map definitions) must come first: libbpf 1.1's static
# linker fails to relocate an extern map seen before its definition.
BPF_SRCS := bpf/maps.bpf.c $(filter-out bpf/maps.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
DAEMON_SRCS := $(wildcard daemon/*.c)
DAEMON_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS))
CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integ/*.c)
INTEG_BINS := $(patsubst tests/integ/%.c,$(BUILD)/tests/integ/%,$(INTEG_SRCS))
BENCH_SRCS := $(filter-out %.bpf.c bench/tp_floor.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS)) $(BUILD)/bench/tp_floor

LIBBPF_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
JSON_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSON_LIBS := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
CFLAGS += $(JSON_CFLAGS)

.PHONY: all deps run test test-unit test-integ test-san bench clean install uninstall
all: $(BUILD)/latscoped $(BUILD)/latscope $(UNIT_BINS) $(INTEG_BINS) $(BENCH_BINS) \
	$(BUILD)/tests/fuzz_ftrace_text $(BUILD)/tests/fuzz_offline_pair

# Installs the Debian 12 packages the build, tests and benchmarks need
# (only the missing ones; a no-op when everything is present).
deps:
	@bash scripts/deps.sh

# Main job: install what is missing, build, run the daemon in the foreground
# with built-in defaults and a live per-CPU view.
run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/latscoped -f --live 2

# Whole test suite: unit + integration (real BPF) + the same under ASan/UBSan.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SAN=1 all
	@bash tests/run.sh $(BUILD) build-san

test-unit: all
	@bash tests/run.sh --unit-only $(BUILD)

bench: all
	@bash bench/run.sh $(BUILD)
	@bash bench/sched.sh $(BUILD)

# --- BPF: one object per concern, linked into one, then a skeleton ---------
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h include/latscope/*.h) | $(BUILD)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# ipi.bpf.c needs atomic exchange and fetch-and-add with result (BPF v3).
$(BUILD)/bpf/ipi.bpf.o: BPF_CFLAGS += -mcpu=v3

$(BUILD)/latscope.bpf.o: $(BPF_OBJS)
	$(BPFTOOL) gen object $@ $^
	$(LLVM_STRIP) -g $@

$(BUILD)/latscope.skel.h: $(BUILD)/latscope.bpf.o
	$(BPFTOOL) gen skeleton $< name latscope_bpf > $@

# --- userspace -----------------------------------------------------------
$(BUILD)/%.o: %.c $(wildcard include/latscope/*.h lib/*.h daemon/*.h cli/*.h) | $(BUILD)/lib $(BUILD)/daemon $(BUILD)/cli
	$(CC) $(CFLAGS) -c $< -o $@

$(DAEMON_OBJS): $(BUILD)/latscope.skel.h

$(BUILD)/liblatscope.a: $(LIB_OBJS)
	rm -f $@; ar rcs $@ $^

SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)

$(BUILD)/latscoped: $(DAEMON_OBJS) $(BUILD)/liblatscope.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBBPF_LIBS) $(JSON_LIBS) $(SYSTEMD_LIBS) -lm

$(BUILD)/latscope: $(CLI_OBJS) $(BUILD)/liblatscope.a
	$(CC) $(LDFLAGS) -o $@ $^ $(JSON_LIBS) -lm

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/liblatscope.a $(BUILD)/latscope.bpf.o $(wildcard lib/*.h) | $(BUILD)/tests
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/liblatscope.a $(LDFLAGS) -lcmocka $(JSON_LIBS) $(LIBBPF_LIBS) -lm

# libFuzzer target for lib/ftrace_text.c: always clang with fuzzer+ASan+UBSan,
# whatever SAN is (tests/integ/test_fuzz_ftrace_text.sh runs it).
FUZZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -g -O1 -Iinclude -Ilib \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(BUILD)/tests/fuzz_ftrace_text: tests/fuzz/fuzz_ftrace_text.c lib/ftrace_text.c lib/ftrace_text.h | $(BUILD)/tests
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_ftrace_text.c lib/ftrace_text.c

# libFuzzer target for the offline pairing engine (lib/offline_*.c), with the
# whole library (tests/integ/test_fuzz_offline_pair.sh runs it). The library
# is warning-checked by the main build; clang's -Wextra also flags positional
# initializers that leave trailing members to zero, which gcc's accepts.
$(BUILD)/tests/fuzz_offline_pair: tests/fuzz/fuzz_offline_pair.c $(LIB_SRCS) $(wildcard lib/*.h include/latscope/*.h) | $(BUILD)/tests
	$(CLANG) $(FUZZ_CFLAGS) -Wno-missing-field-initializers $(JSON_CFLAGS) -o $@ \
		tests/fuzz/fuzz_offline_pair.c $(LIB_SRCS) $(JSON_LIBS) -lpthread -lm

$(BUILD)/tests/integ/%: tests/integ/%.c $(BUILD)/liblatscope.a | $(BUILD)/tests/integ
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/liblatscope.a $(LDFLAGS) $(JSON_LIBS) $(LIBBPF_LIBS) -lpthread -lm

$(BUILD)/bench/%: bench/%.c $(LIB_SRCS) $(wildcard lib/*.h include/latscope/*.h) | $(BUILD)/bench
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) -lpthread -lm

# bench/sched.sh's floor: empty programs on the same tracepoints, own object
$(BUILD)/bench/tp_floor.bpf.o: bench/tp_floor.bpf.c | $(BUILD)/bench
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# and its design floor for the wakeup interval (bench/wakeup_floor.bpf.c)
$(BUILD)/bench/wakeup_floor.bpf.o: bench/wakeup_floor.bpf.c | $(BUILD)/bench
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/tp_floor: bench/tp_floor.c $(BUILD)/bench/tp_floor.bpf.o $(BUILD)/bench/wakeup_floor.bpf.o | $(BUILD)/bench
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LIBBPF_LIBS)

$(BUILD)/bpf $(BUILD)/lib $(BUILD)/daemon $(BUILD)/cli $(BUILD)/tests $(BUILD)/tests/integ $(BUILD)/bench:
	mkdir -p $@

# --- install ---------------------------------------------------------------
# `make install PREFIX=/usr DESTDIR=/tmp/pkg`. The configuration lives in
# /etc/latscope whatever PREFIX is: the daemon's default file and the unit's
# ConfigurationDirectory= both name it.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
CONFDIR := /etc/latscope

install: $(BUILD)/latscoped $(BUILD)/latscope
	install -Dm755 $(BUILD)/latscope $(DESTDIR)$(BINDIR)/latscope
	install -Dm755 $(BUILD)/latscoped $(DESTDIR)$(SBINDIR)/latscoped
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CONFDIR)/latscope.conf.d
	sed 's|@SBINDIR@|$(SBINDIR)|g' systemd/latscoped.service.in >$(DESTDIR)$(UNITDIR)/latscoped.service
	chmod 644 $(DESTDIR)$(UNITDIR)/latscoped.service
	install -m644 systemd/latscoped.socket $(DESTDIR)$(UNITDIR)/latscoped.socket
	install -Dm644 systemd/latscope.sysusers $(DESTDIR)$(SYSUSERSDIR)/latscope.conf
	install -Dm644 config/latscope.conf $(DESTDIR)$(CONFDIR)/latscope.conf
	sh scripts/man_page.sh docs/man/latscope.1 $(DESTDIR)$(MANDIR)/man1/latscope.1 $(VERSION)
	sh scripts/man_page.sh docs/man/latscope.conf.5 $(DESTDIR)$(MANDIR)/man5/latscope.conf.5 $(VERSION)
	sh scripts/man_page.sh docs/man/latscoped.8 $(DESTDIR)$(MANDIR)/man8/latscoped.8 $(VERSION)
	install -Dm644 completion/latscope.bash $(DESTDIR)$(BASHCOMPDIR)/latscope

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/latscope $(DESTDIR)$(SBINDIR)/latscoped \
	      $(DESTDIR)$(UNITDIR)/latscoped.service $(DESTDIR)$(UNITDIR)/latscoped.socket \
	      $(DESTDIR)$(SYSUSERSDIR)/latscope.conf $(DESTDIR)$(MANDIR)/man1/latscope.1 \
	      $(DESTDIR)$(MANDIR)/man5/latscope.conf.5 $(DESTDIR)$(MANDIR)/man8/latscoped.8 \
	      $(DESTDIR)$(BASHCOMPDIR)/latscope
	@echo "left in place: $(DESTDIR)$(CONFDIR) (configuration)"

clean:
	rm -rf build build-san

# drugflow — build, test, bench, demo, install.
#
# Sources are found by wildcard, one library per directory, so adding a file
# needs no edit here. Debian packages needed to build and test are listed once,
# in DEB_PACKAGES; `make deps` installs whichever are missing (and nothing else).

CC       ?= gcc
PREFIX   ?= /usr/local
BUILD    ?= build
SAN      ?=
PKGS     := libxml-2.0 xmlsec1-openssl libcurl libmicrohttpd sqlite3 yaml-0.1 openssl gnutls

DEB_PACKAGES := build-essential pkg-config libcsv-dev libxml2-dev libxml2-utils \
	libxmlsec1-dev xmlsec1 libssl-dev openssl libcurl4-openssl-dev curl \
	libmicrohttpd-dev libgnutls28-dev libsqlite3-dev sqlite3 libyaml-dev \
	libcriterion-dev clang libclang-rt-14-dev valgrind gnuplot-nox procps time bc

CFLAGS   ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-format-truncation -pthread -I. \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -DXMLSEC_CRYPTO_OPENSSL
LDLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -lm
ifneq ($(SAN),)
override CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SAN)
endif

LIBDIRS  := base config mapping converter writer workspace uploader
LIB_SRC  := $(foreach d,$(LIBDIRS),$(wildcard $(d)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC  := $(wildcard cli/*.c)
SIM_SRC  := $(wildcard simulator/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
LIBA     := $(BUILD)/libdrugflow.a

BINS     := $(BUILD)/drugflow $(BUILD)/drugflow-sim $(BUILD)/gen $(BUILD)/csvparse
.PHONY: all deps test test-unit test-e2e test-asan bench bench-quick demo install clean fuzz fuzz-ci valgrind soak

all: $(BINS)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing missing Debian packages:$$missing"; \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/drugflow: $(CLI_SRC:%.c=$(BUILD)/%.o) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/drugflow-sim: $(SIM_SRC:%.c=$(BUILD)/%.o) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/gen: $(BUILD)/benchmarks/gen.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/csvparse: $(BUILD)/benchmarks/csvparse.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Test tools (tests/tools/*.c): small clients the end-to-end tests need.
TEST_TOOLS := $(BUILD)/idle-conns
$(BUILD)/idle-conns: tests/tools/idle_conns.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/unit-tests: $(UNIT_SRC:%.c=$(BUILD)/%.o) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

# Tests: unit (Criterion), end-to-end (shell scripts driving the binaries), then
# the same two again built with AddressSanitizer and UBSan in build-asan/.
test: deps
	$(MAKE) --no-print-directory test-unit test-e2e
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz-ci

test-unit: $(BUILD)/unit-tests $(BINS)
	cd tests/unit && ../../$(BUILD)/unit-tests --jobs 2

test-e2e: $(BINS) $(TEST_TOOLS)
	BUILD=$(abspath $(BUILD)) tests/e2e/run-all.sh

# Every sanitizer report aborts the process and is also written under
# build-asan/san-logs/, so a report swallowed by a test expecting a failure
# still fails the run.
SAN_LOGS := $(abspath build-asan/san-logs)
test-asan:
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:log_path=$(SAN_LOGS)/asan \
	LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:log_path=$(SAN_LOGS)/ubsan \
	$(MAKE) --no-print-directory BUILD=build-asan SAN=address,undefined CFLAGS="-O1 -g" test-unit test-e2e
	@if [ -n "$$(ls -A $(SAN_LOGS))" ]; then echo "sanitizer reports:"; head -n 60 $(SAN_LOGS)/*; exit 1; fi
	@echo "sanitizers: no reports"

bench: deps all
	benchmarks/run.sh full
	benchmarks/sim-upload-bench.sh | tee benchmarks/results/sim-upload-latest.txt

bench-quick: deps all
	benchmarks/run.sh quick

demo: deps all
	samples/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/drugflow $(DESTDIR)$(PREFIX)/share/doc/drugflow
	install -m 755 $(BUILD)/drugflow $(BUILD)/drugflow-sim $(DESTDIR)$(PREFIX)/bin/
	cp -R samples/profile samples/mappings samples/exports samples/catalogs samples/schema samples/pki samples/drugflow.yaml $(DESTDIR)$(PREFIX)/share/drugflow/
	install -m 644 simulator/README.md $(DESTDIR)$(PREFIX)/share/doc/drugflow/drugflow-sim.md
	install -m 644 README.md docs/INTERFACE.md $(DESTDIR)$(PREFIX)/share/doc/drugflow/

clean:
	rm -rf build build-asan build-fuzz

# Hardening (issue 7). libFuzzer harnesses tests/fuzz/fuzz_*.c, built with
# clang in build-fuzz/ (tests/fuzz/Makefile.fuzz): `make fuzz FUZZ_SECONDS=N`
# runs each for N seconds; fuzz-ci (part of `make test`) runs each ~8 s over
# its seed corpus.
FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) --no-print-directory -f tests/fuzz/Makefile.fuzz run LIBDIRS="$(LIBDIRS)" FUZZ_SECONDS=$(FUZZ_SECONDS)
fuzz-ci:
	$(MAKE) --no-print-directory -f tests/fuzz/Makefile.fuzz run LIBDIRS="$(LIBDIRS)" FUZZ_SECONDS=8

# valgrind memcheck on small runs of convert, verify, drugflow-sim (and run).
valgrind: $(BINS)
	BUILD=$(abspath $(BUILD)) tests/valgrind.sh

# Soak: drugflow run of 1M rows against drugflow-sim with 30% faults and random
# kills, repeated (SOAK_ROWS, SOAK_ROUNDS, SOAK_KILLS, SOAK_SEED).
soak: $(BINS)
	BUILD=$(abspath $(BUILD)) tests/soak.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

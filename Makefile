# drugflow — build, test, bench, demo, install, package.
#
# Sources are found by wildcard, one library per directory, so adding a file
# needs no edit here. Debian packages are listed once, by what needs them:
# DEB_PACKAGES to build and run (`make`, `make demo`, `make install`), the
# others for the targets named beside them. `make deps` (and deps-test,
# deps-deb, ...) installs whichever of a list are missing, and nothing else.
#
# Nothing that those packages provide is looked at when this file is read:
# a target that installs packages runs the rest of its work in a new make
# (which reads this file, the .d files included, once the packages are
# there), and the pkg-config flags are looked up when a recipe first needs
# them. So `make demo` and `make test` work as the first command on a fresh
# Debian 12 machine, as root or as a user with sudo.

CC       ?= gcc
PREFIX   ?= /usr/local
BUILD    ?= build
SAN      ?=
PKGS     := libxml-2.0 libzip xmlsec1-openssl libcurl libmicrohttpd sqlite3 yaml-0.1 openssl gnutls p11-kit-1

DEB_PACKAGES := build-essential pkg-config libcsv-dev libxml2-dev libxmlsec1-dev libssl-dev openssl \
	libcurl4-openssl-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libyaml-dev \
	libp11-kit-dev libengine-pkcs11-openssl libzip-dev
# Excel .xlsx exports (converter/xlsx.c): libzip-dev to build, libzip4 to run.
# Keys on USB tokens: libp11-kit-dev (the token check, writer/token.c) to build,
# libengine-pkcs11-openssl (the OpenSSL PKCS#11 engine) to run.
# make test: Criterion, the stock tools the e2e tests drive, scdoc (man pages), clang for fuzz-ci,
# softhsm2 and gnutls-bin (p11tool) for a software token, faketime for doctor's clock check,
# chromium: headless, it renders the batch report (tests/e2e/t_fixloop_report.sh)
DEB_TEST_PACKAGES := libcriterion-dev libxml2-utils xmlsec1 curl sqlite3 procps time python3 scdoc \
	clang libclang-rt-14-dev softhsm2 gnutls-bin faketime chromium
DEB_FUZZ_PACKAGES := clang libclang-rt-14-dev
DEB_VALGRIND_PACKAGES := valgrind
DEB_BENCH_PACKAGES := gnuplot-nox procps time bc curl sqlite3
DEB_MAN_PACKAGES := scdoc
DEB_DEB_PACKAGES := debhelper dpkg-dev fakeroot lintian scdoc

# pkg-config's flags, looked up once, when a recipe first expands them (by
# then `deps` has installed pkg-config and the -dev packages).
pkg-config = $(shell pkg-config $(1) $(PKGS))$(if $(filter 0,$(.SHELLSTATUS)),,$(error pkg-config $(1) $(PKGS) \
	failed: the Debian packages are missing; 'make deps' installs them))
PKG_CFLAGS = $(eval PKG_CFLAGS := $(call pkg-config,--cflags))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(call pkg-config,--libs))$(PKG_LIBS)

# The version that --version prints: `git describe` of the checkout, else the
# VERSION file (dist/version.sh says how), as DF_VERSION in df_version.h.
DF_VERSION = $(eval DF_VERSION := $(shell dist/version.sh))$(DF_VERSION)
VERSION_H  := $(BUILD)/include/df_version.h

CFLAGS   ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-format-truncation -pthread -I. \
	    -I$(BUILD)/include $(PKG_CFLAGS) -DXMLSEC_CRYPTO_OPENSSL
LDLIBS    = $(PKG_LIBS) -lcsv -lpthread -lm
ifneq ($(SAN),)
override CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SAN)
endif

LIBDIRS  := base config mapping converter writer workspace report uploader doctor
LIB_SRC  := $(foreach d,$(LIBDIRS),$(wildcard $(d)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_SRC  := $(wildcard cli/*.c)
SIM_SRC  := $(wildcard simulator/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
LIBA     := $(BUILD)/libdrugflow.a

PROGRAMS := $(BUILD)/drugflow $(BUILD)/drugflow-sim
BINS     := $(PROGRAMS) $(BUILD)/gen $(BUILD)/csvparse $(BUILD)/tokensign $(BUILD)/nearmiss $(BUILD)/xlsxread
.PHONY: all programs deps deps-test deps-fuzz deps-valgrind deps-bench deps-man deps-deb test test-unit test-e2e \
	test-asan test-deb bench bench-quick demo man man-pages install install-only uninstall deb clean fuzz fuzz-ci \
	valgrind soak sample-xlsx FORCE

all: $(BINS)
programs: $(PROGRAMS)

# $(call deb-install,PACKAGES): apt-get installs those of PACKAGES that are not
# installed (through sudo when not root); does nothing when all are there.
deb-install = @missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing missing Debian packages:$$missing"; \
	  SUDO=; if [ "$$(id -u)" != 0 ]; then SUDO=sudo; command -v sudo >/dev/null || \
	    { echo "not root and no sudo: as root, apt-get install$$missing" >&2; exit 1; }; fi; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

deps:
	$(call deb-install,$(DEB_PACKAGES))
deps-test: deps
	$(call deb-install,$(DEB_TEST_PACKAGES))
deps-fuzz: deps
	$(call deb-install,$(DEB_FUZZ_PACKAGES))
deps-valgrind: deps-test
	$(call deb-install,$(DEB_VALGRIND_PACKAGES))
deps-bench: deps
	$(call deb-install,$(DEB_BENCH_PACKAGES))
deps-man: deps
	$(call deb-install,$(DEB_MAN_PACKAGES))
deps-deb: deps
	$(call deb-install,$(DEB_DEB_PACKAGES))

# df_version.h is rewritten only when the version changed, so that only the
# files including it are compiled again.
$(VERSION_H): FORCE
	@mkdir -p $(dir $@)
	@printf '#define DF_VERSION "%s"\n' '$(DF_VERSION)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(BUILD)/%.o: %.c | $(VERSION_H)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

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

$(BUILD)/nearmiss: $(BUILD)/benchmarks/nearmiss.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/xlsxread: $(BUILD)/benchmarks/xlsxread.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tokensign: $(BUILD)/benchmarks/tokensign.o $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Helpers of the end-to-end tests: a local HTTP CONNECT proxy (t_upload_proxy).
TEST_BINS := $(BUILD)/connect-proxy
$(BUILD)/connect-proxy: $(BUILD)/tests/e2e/connect-proxy.o
	$(CC) $(LDFLAGS) -o $@ $^ -lpthread

# Test tools (tests/tools/*.c): small clients the end-to-end tests need.
TEST_TOOLS := $(BUILD)/idle-conns $(BUILD)/csv2xlsx
$(BUILD)/idle-conns: tests/tools/idle_conns.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o $@ $<

# csv2xlsx: a CSV as a minimal .xlsx (the xlsx reader's tests, samples/exports/sale.xlsx, benchmarks).
$(BUILD)/csv2xlsx: tests/tools/csv2xlsx.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_SRC:%.c=$(BUILD)/%.o) $(LIBA)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion

# Tests: unit (Criterion), end-to-end (shell scripts driving the binaries), then
# the same two again built with AddressSanitizer and UBSan in build-asan/.
# test-unit and test-e2e expect the packages there (make deps-test).
test: deps-test
	$(MAKE) --no-print-directory test-unit test-e2e
	$(MAKE) --no-print-directory test-asan
	$(MAKE) --no-print-directory fuzz-ci

test-unit: $(BUILD)/unit-tests $(BINS)
	cd tests/unit && ../../$(BUILD)/unit-tests --jobs 2

test-e2e: $(BINS) $(TEST_BINS) $(TEST_TOOLS)
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

bench: deps-bench
	@$(MAKE) --no-print-directory all $(BUILD)/csv2xlsx
	benchmarks/run.sh full
	benchmarks/sim-upload-bench.sh | tee benchmarks/results/sim-upload-latest.txt
	benchmarks/token-bench.sh

bench-quick: deps-bench
	@$(MAKE) --no-print-directory all $(BUILD)/csv2xlsx
	benchmarks/run.sh quick

demo: deps
	@$(MAKE) --no-print-directory all
	samples/demo.sh

# Man pages: docs/man/NAME.SECTION.scd, in scdoc's format, to $(BUILD)/man/NAME.SECTION.
# tests/e2e/t_man_options.sh checks them against every command's --help.
MAN_SRC  := $(wildcard docs/man/*.scd)
MAN_OUT  := $(MAN_SRC:docs/man/%.scd=$(BUILD)/man/%)
$(BUILD)/man/%: docs/man/%.scd $(VERSION_H)
	@mkdir -p $(dir $@)
	@echo "  SCDOC $<"
	@sed 's|@VERSION@|$(DF_VERSION)|g' $< | scdoc >$@.tmp && mv $@.tmp $@
man-pages: $(MAN_OUT)
man: deps-man
	@$(MAKE) --no-print-directory man-pages

# make install [PREFIX=/usr/local] [DESTDIR=staging]: the binaries, man pages,
# bash completion, the shipped files (profile, schema, mappings, samples, PKI
# script, demo) in DATADIR, docs, the systemd units and their month-end job,
# and an example SYSCONFDIR/drugflow/drugflow.yaml unless there is one.
# make uninstall removes all of it except SYSCONFDIR/drugflow (configuration).
# install-only does the copying, for debian/rules and for a build already made.
BINDIR         ?= $(PREFIX)/bin
DATADIR        ?= $(PREFIX)/share/drugflow
DOCDIR         ?= $(PREFIX)/share/doc/drugflow
MANDIR         ?= $(PREFIX)/share/man
LIBEXECDIR     ?= $(PREFIX)/libexec/drugflow
BASHCOMPDIR    ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR     ?= /etc
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' \
	    -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@VERSION@|$(DF_VERSION)|g'
UNITS := drugflow@.service drugflow@.timer

install: deps-man
	@$(MAKE) --no-print-directory install-only

install-only: $(PROGRAMS) $(MAN_OUT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/drugflow
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(filter %.1,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(filter %.5,$(MAN_OUT)) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 dist/bash-completion/drugflow $(DESTDIR)$(BASHCOMPDIR)/drugflow
	ln -sf drugflow $(DESTDIR)$(BASHCOMPDIR)/drugflow-sim
	cp -R samples/profile samples/mappings samples/wizard samples/exports samples/catalogs samples/schema samples/pki \
	    $(DESTDIR)$(DATADIR)/
	install -m 644 samples/drugflow.yaml $(DESTDIR)$(DATADIR)/drugflow.yaml
	install -m 755 samples/demo.sh $(DESTDIR)$(DATADIR)/demo.sh
	$(SUBST) dist/month-end.in >$(DESTDIR)$(LIBEXECDIR)/month-end && chmod 755 $(DESTDIR)$(LIBEXECDIR)/month-end
	for u in $(UNITS); do $(SUBST) dist/systemd/$$u.in >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	    chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; done
	install -m 644 README.md docs/INTERFACE.md $(DESTDIR)$(DOCDIR)/
	install -m 644 simulator/README.md $(DESTDIR)$(DOCDIR)/drugflow-sim.md
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/drugflow/drugflow.yaml ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/drugflow/drugflow.yaml"; else \
	  echo "install -m 644 dist/drugflow.yaml $(DESTDIR)$(SYSCONFDIR)/drugflow/drugflow.yaml"; \
	  $(SUBST) dist/drugflow.yaml >$(DESTDIR)$(SYSCONFDIR)/drugflow/drugflow.yaml; \
	  chmod 644 $(DESTDIR)$(SYSCONFDIR)/drugflow/drugflow.yaml; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/drugflow $(DESTDIR)$(BINDIR)/drugflow-sim
	rm -f $(foreach m,$(MAN_SRC:docs/man/%.scd=%),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/drugflow $(DESTDIR)$(BASHCOMPDIR)/drugflow-sim
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(UNITS))
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(LIBEXECDIR)
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/drugflow (configuration): remove it by hand when no longer needed"

# make deb: $(BUILD)/drugflow_VERSION_amd64.deb, built with debhelper
# (debian/) from a copy of this tree in $(BUILD)/deb, and checked by lintian
# (dist/make-deb.sh). make test-deb installs it into a fresh Debian 12 root
# and tries it there (tests/pkg/t_deb_install.sh).
deb: deps-deb
	dist/make-deb.sh $(BUILD)/deb

test-deb: deb
	tests/pkg/t_deb_install.sh "$$(cat $(BUILD)/deb/deb-file)"

# samples/exports/sale.xlsx: sale.csv as an Excel workbook, its three date
# columns as real Excel dates and numbers as number cells (make sample-xlsx
# writes it again; csv2xlsx's output is the same bytes for the same CSV).
sample-xlsx: $(BUILD)/csv2xlsx
	$(BUILD)/csv2xlsx --numbers --date-col 2 --date-col 12 --date-col 13 --sheet 销售出库明细 \
	    samples/exports/sale.csv samples/exports/sale.xlsx

clean:
	rm -rf build build-asan build-fuzz

# Hardening (issue 7). libFuzzer harnesses tests/fuzz/fuzz_*.c, built with
# clang in build-fuzz/ (tests/fuzz/Makefile.fuzz): `make fuzz FUZZ_SECONDS=N`
# runs each for N seconds; fuzz-ci (part of `make test`) runs each ~8 s over
# its seed corpus.
FUZZ_SECONDS ?= 60
fuzz: deps-fuzz
	$(MAKE) --no-print-directory -f tests/fuzz/Makefile.fuzz run LIBDIRS="$(LIBDIRS)" FUZZ_SECONDS=$(FUZZ_SECONDS)
fuzz-ci: deps-fuzz
	$(MAKE) --no-print-directory -f tests/fuzz/Makefile.fuzz run LIBDIRS="$(LIBDIRS)" FUZZ_SECONDS=8

# valgrind memcheck on small runs of convert, verify, drugflow-sim (and run).
valgrind: deps-valgrind
	@$(MAKE) --no-print-directory $(BINS)
	BUILD=$(abspath $(BUILD)) tests/valgrind.sh

# Soak: drugflow run of 1M rows against drugflow-sim with 30% faults and random
# kills, repeated (SOAK_ROWS, SOAK_ROUNDS, SOAK_KILLS, SOAK_SEED).
soak: deps-test
	@$(MAKE) --no-print-directory $(BINS)
	BUILD=$(abspath $(BUILD)) tests/soak.sh

-include $(wildcard $(patsubst %.c,$(BUILD)/%.d,$(LIB_SRC) $(CLI_SRC) $(SIM_SRC) $(UNIT_SRC) $(wildcard benchmarks/*.c)))

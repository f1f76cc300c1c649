# journey: command-line journey analytics.  See README.md.
#
#   make            build libjourney.a and the tools into build/
#   make check      unit tests, fuzz corpus replay, CLI golden cases,
#                   every error message in a test, man pages: one line
#                   each, details only on failure
#   make check-slow the CLI cases marked slow (seconds each; CI runs them)
#   make demo       the tools piped together over examples/, ending with
#                   build/report.html (jreport)
#   make check-browser  that report in headless Chromium (installed when
#                   missing): no request, no script, no console message
#   make bench      throughput and memory on generated 1M/10M-event logs
#   make fuzz       libFuzzer targets (clang), FUZZ_SECONDS each
#   make check SANITIZE=address,undefined
#   make install PREFIX=/usr/local DESTDIR=
#   make check-install  make install, then a program built against it
#   make deb        the Debian package (dpkg-buildpackage) in build/deb

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
CXX ?= c++
CFLAGS ?= -O2 -g
CXXFLAGS ?= -O2 -g
FUZZ_SECONDS ?= 60

ifdef SANITIZE
BUILD ?= build/sanitize
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD ?= build
SANFLAGS =
endif

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter
ifdef DEVELOPER
WARN += -Werror
endif

PKGS = jansson libpcre2-8 zlib simdjson expat
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude $(WARN) \
	$(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS)
ALL_CXXFLAGS = -std=c++17 -Iinclude -Wall -Wextra $(PKG_CFLAGS) \
	$(SANFLAGS) $(CXXFLAGS)
LIBS = -lcsv $(PKG_LIBS) -lstdc++ -lm -lpthread
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

CORE_C = $(wildcard src/core/*.c)
CORE_CXX = $(wildcard src/core/*.cc)
CORE_OBJ = $(CORE_C:src/core/%.c=$(BUILD)/obj/core/%.o) \
	$(CORE_CXX:src/core/%.cc=$(BUILD)/obj/core/%.o)
TOOLS = $(patsubst src/tools/%.c,%,$(wildcard src/tools/*.c))
TOOL_BINS = $(TOOLS:%=$(BUILD)/%)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%-replay)
MANPAGES = $(wildcard man/*.1 man/*.7)
DEPS_STAMP = build/.deps-ok

.PHONY: all check check-slow check-build unit cli fuzz-replay demo bench \
	check-browser \
	fuzz install uninstall clean deps lint-man check-valgrind lint tidy
.SUFFIXES:

all: $(DEPS_STAMP) $(BUILD)/libjourney.a $(TOOL_BINS)

# Install missing Debian build dependencies once (see build-aux/install-deps).
deps $(DEPS_STAMP):
	@./build-aux/install-deps
	@mkdir -p build && touch $(DEPS_STAMP)

$(BUILD)/obj/core/%.o: src/core/%.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/core/%.o: src/core/%.cc | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(ALL_CXXFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libjourney.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%: $(BUILD)/obj/src/tools/%.o $(BUILD)/libjourney.a
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libjourney.a $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libjourney.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libjourney.a $(CMOCKA_LIBS) $(LIBS)

$(BUILD)/tests/%-replay: $(BUILD)/obj/tests/fuzz/%.o \
		$(BUILD)/obj/tests/fuzz/replay.o $(BUILD)/libjourney.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/obj/tests/fuzz/replay.o \
		$(BUILD)/libjourney.a $(LIBS)

# make check: the build (its output kept in $(BUILD)/check-build.log, its
# warnings and errors printed), then each suite, one line each with the
# details of what failed, then the count.  Every suite runs even when one
# before it failed.  The CLI cases marked slow run in make check-slow.
UNIT_RUN = sh tests/unit/run $(UNIT_BINS)
FUZZ_REPLAY_RUN = sh tests/fuzz/run --replay $(FUZZ_REPLAY)
CLI_RUN = BUILD=$(BUILD) sh tests/cli/run
ERRORS_RUN = sh tests/errors/run
LINT_MAN_RUN = { n=0; f=0; for m in $(MANPAGES); do \
		if mandoc -Tlint -W warning $$m; then n=$$((n + 1)); \
		else f=$$((f + 1)); fi; done; \
	echo "man pages: $$n passed, $$f failed (mandoc -Tlint)"; \
	[ -z "$${CHECK_COUNTS:-}" ] || \
	    echo "man pages|$$n|$$f" >>"$$CHECK_COUNTS"; \
	[ $$f -eq 0 ]; }

check: check-build
	@CHECK_COUNTS=$(BUILD)/check-counts; export CHECK_COUNTS; \
	rm -f $$CHECK_COUNTS; st=0; \
	$(UNIT_RUN) || st=1; \
	$(FUZZ_REPLAY_RUN) || st=1; \
	$(CLI_RUN) || st=1; \
	$(ERRORS_RUN) || st=1; \
	$(LINT_MAN_RUN) || st=1; \
	awk -F'|' -v st=$$st '{ n = n (n ? ", " : "") $$2 " " $$1; \
		if ($$3 > 0) { bad = bad (bad ? ", " : "") $$3 " " $$1 } } \
	    END { if (st || bad != "") \
		print "make check: FAILED: " (bad != "" ? bad : "a suite broke") \
		    " (" n " passed)"; \
		else print "make check: all passed (" n ")" }' \
	    $$CHECK_COUNTS; \
	exit $$st

check-slow: check-build
	@BUILD=$(BUILD) CLI_SLOW=only sh tests/cli/run

check-build: $(DEPS_STAMP)
	@mkdir -p $(BUILD); \
	if $(MAKE) --no-print-directory all $(UNIT_BINS) $(FUZZ_REPLAY) \
	    >$(BUILD)/check-build.log 2>&1; then \
		grep -E 'warning:' $(BUILD)/check-build.log; \
		n=$$(grep -c -- ' -c -o ' $(BUILD)/check-build.log); \
		w=$$(grep -c 'warning:' $(BUILD)/check-build.log); \
		if [ $$w -gt 0 ]; then echo "build: $$n files compiled," \
		    "$$w warnings (in full: $(BUILD)/check-build.log)"; \
		elif [ $$n -gt 0 ]; then \
			echo "build: $$n files compiled, 0 warnings"; fi; \
	else \
		grep -Ev "^make.*(is up to date|Nothing to be done)" \
		    $(BUILD)/check-build.log; \
		echo "build: failed"; exit 1; \
	fi

unit: $(UNIT_BINS)
	@$(UNIT_RUN)

cli: $(TOOL_BINS)
	@$(CLI_RUN)

fuzz-replay: $(FUZZ_REPLAY)
	@$(FUZZ_REPLAY_RUN)

# Every unit test and every tool over the examples under valgrind: no
# errors, no leaks.
VALGRIND = valgrind -q --error-exitcode=3 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect
check-valgrind: all $(UNIT_BINS)
	@for t in $(UNIT_BINS); do \
		$(VALGRIND) $$t >/dev/null 2>$(BUILD)/vg.err || \
		{ cat $(BUILD)/vg.err; echo "valgrind: $$t failed"; exit 1; }; \
	done
	@set -e; for f in examples/shop.csv examples/shop.ndjson; do \
		$(VALGRIND) $(BUILD)/jfunnel --by device --value revenue \
		    -s view_item -s add_to_cart -s purchase $$f >/dev/null; \
		$(VALGRIND) $(BUILD)/jsegment --preset rfm --profiles \
		    --field device $$f >/dev/null; \
		$(VALGRIND) $(BUILD)/jsegment --preset rfm --tag $$f >/dev/null; \
		$(VALGRIND) $(BUILD)/jfriction $$f >/dev/null; \
	done; \
	$(BUILD)/jfriction examples/checkout.csv | $(VALGRIND) \
	    $(BUILD)/jscore -o markdown >/dev/null; \
	$(VALGRIND) $(BUILD)/jwatch --goal purchase --value revenue \
	    --by device --drivers device examples/watch.csv >/dev/null; \
	$(BUILD)/jwatch --kpis sessions examples/watch.csv | cut -d, -f1,3 | \
	    $(VALGRIND) $(BUILD)/jwatch --series >/dev/null; \
	cat examples/shop.csv | $(VALGRIND) $(BUILD)/jwatch --follow \
	    --value revenue --goal purchase --by device --drivers country \
	    >/dev/null
	@{ $(BUILD)/jpath --view steps --top 8 examples/shop.csv; \
	    $(BUILD)/jpath --view next examples/shop.csv; \
	    $(BUILD)/jpath examples/shop.csv; \
	    $(BUILD)/jfriction examples/checkout.csv; \
	    $(BUILD)/jwatch --goal purchase examples/watch.csv; } | \
	    $(VALGRIND) $(BUILD)/jreport >/dev/null
	@$(BUILD)/jretain --period day examples/shop.csv | $(VALGRIND) \
	    $(BUILD)/jreport -o svg >/dev/null
	@echo "valgrind: $(words $(UNIT_BINS)) unit tests and 14 tool runs clean"

demo: all
	@sh examples/demo.sh $(BUILD)

check-browser: all
	@sh tests/browser/run $(BUILD)

bench: all
	@sh bench/run $(BUILD)

# libFuzzer builds need clang; each target runs FUZZ_SECONDS.
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined
fuzz: $(DEPS_STAMP)
	@BUILD=build/fuzz CC=$(FUZZ_CC) CXX=clang++ \
		FUZZ_FLAGS="$(FUZZ_FLAGS)" FUZZ_SECONDS=$(FUZZ_SECONDS) \
		sh tests/fuzz/run

# cppcheck's cross-function analysis takes the funnel engine's scan state,
# whose chain arrays are filled as levels are reached, for uninitialized:
# that one check is off.
lint: $(DEPS_STAMP)
	cppcheck --quiet --error-exitcode=1 --std=c11 -Iinclude \
		--enable=warning,performance,portability \
		--suppress=missingIncludeSystem --suppress=ctuuninitvar \
		src/core/*.c src/tools/*.c
	@echo "cppcheck: clean"
	@$(MAKE) --no-print-directory tidy

# clang-tidy with the checks of .clang-tidy (every warning an error).
TIDY_JOBS = $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
TIDY_FLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude $(PKG_CFLAGS)
tidy: $(DEPS_STAMP)
	@ls src/core/*.c src/tools/*.c | xargs -P $(TIDY_JOBS) -I{} \
		clang-tidy --quiet {} -- $(TIDY_FLAGS)
	@echo "clang-tidy: clean"

lint-man:
	@$(LINT_MAN_RUN)

# Shell completion, bash and zsh, for every tool: completions/gen reads the
# options from the tool's getopt_long tables (its preprocessed source),
# what completes their arguments from completions/*.values, and zsh's
# descriptions from the built tool's --help.
COMPLETIONS = $(TOOLS:%=$(BUILD)/completions/bash/%) \
	$(TOOLS:%=$(BUILD)/completions/zsh/_%)
COMPLETION_CPPFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude \
	$(PKG_CFLAGS)
all: $(COMPLETIONS)

$(BUILD)/completions/bash/% $(BUILD)/completions/zsh/_%: src/tools/%.c \
		src/core/input.c $(wildcard include/journey/*.h) \
		completions/gen completions/journey.bash \
		$(wildcard completions/*.values) $(BUILD)/% | $(DEPS_STAMP)
	CC="$(CC)" CPPFLAGS="$(COMPLETION_CPPFLAGS)" \
		sh completions/gen $* $(BUILD)/completions $(BUILD)/$*

BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
# libjourney for other C programs: its headers (include/journey/journey.h
# says what is public), the static library and journey.pc for pkg-config
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(BINDIR)
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s; done
	install -m 644 $(TOOLS:%=$(BUILD)/completions/bash/%) \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 644 $(TOOLS:%=$(BUILD)/completions/zsh/_%) \
		$(DESTDIR)$(ZSHCOMPDIR)
	install -d $(DESTDIR)$(INCLUDEDIR)/journey $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/journey/*.h $(DESTDIR)$(INCLUDEDIR)/journey
	install -m 644 $(BUILD)/libjourney.a $(DESTDIR)$(LIBDIR)
	sh build-aux/journey-pc $(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(PKGS) \
		>$(DESTDIR)$(LIBDIR)/pkgconfig/journey.pc

# make install into $(BUILD)/install, then examples/libjourney/count.c
# built there against the installed library with pkg-config and run
# (debian/tests/library, the package's test of it).
.PHONY: check-install
check-install:
	@rm -rf $(BUILD)/install && mkdir -p $(BUILD)
	@$(MAKE) --no-print-directory install \
		PREFIX=$(abspath $(BUILD))/install >$(BUILD)/install.log
	@PKG_CONFIG_PATH=$(abspath $(BUILD))/install/lib/pkgconfig \
		sh debian/tests/library

# The Debian package (debian/): build-aux/deb builds it with dpkg-buildpackage
# in a clean copy of the tree, lints it and runs its tests on it unpacked;
# all in build/deb.  Slow (the build and make check again): not part of
# make check.
.PHONY: deb
deb:
	@sh build-aux/deb

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t \
		$(DESTDIR)$(BASHCOMPDIR)/$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t; done
	for m in $(MANPAGES); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done
	rm -rf $(DESTDIR)$(INCLUDEDIR)/journey
	rm -f $(DESTDIR)$(LIBDIR)/libjourney.a \
		$(DESTDIR)$(LIBDIR)/pkgconfig/journey.pc

clean:
	rm -rf build

.SECONDARY:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

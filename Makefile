# posko — build, test, run, bench, install.  GNU make; see HACKING.md.
#
#   make            poskod, poskoctl and the libraries (build/rel, -O2)
#   make check      every test, built with ASan + UBSan (build/asan)
#   make demo       the whole flow on the bundled sample scenario
#   make run        poskod in the foreground on the sample scenario
#   make bench      the benchmarks (key=value lines with baselines)
#   make install    PREFIX=/usr/local DESTDIR=
#
# `make check` and `make demo` first install missing Debian packages
# (tools/deps.sh): as root with apt-get, otherwise they print the exact
# apt-get line and stop.

.DEFAULT_GOAL := all

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
DATADIR  ?= $(PREFIX)/share/posko
LOCALEDIR ?= $(PREFIX)/share/locale
DESTDIR  ?=

CC       ?= cc
PKGS     := libuv nanomsg sqlite3 geos proj jansson inih libxml-2.0 libsystemd
TESTPKGS := cmocka
# pkg-config is asked only when a target needs to compile; `make clean`
# and `make deps` must work before anything is installed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lgeos_c -lm -lpthread
TEST_LIBS  = $(shell pkg-config --libs $(TESTPKGS) 2>/dev/null)

WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CPPFLAGS += -I. -MMD -MP -DPOSKO_LOCALEDIR='"$(LOCALEDIR)"'
REL_CFLAGS  := -O2 -g $(WARN)
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined $(WARN)

GEO_SRC    := $(sort $(wildcard geo/*.c))
ALLOC_SRC  := $(sort $(wildcard alloc/*.c))
CONFIG_SRC := $(sort $(wildcard config/*.c))
DAEMON_SRC := $(sort $(filter-out daemon/main.c,$(wildcard daemon/*.c)))
CTL_SRC    := $(sort $(wildcard ctl/*.c))
TEST_SRC   := $(sort $(wildcard tests/test_*.c))
BENCH_SRC  := $(sort $(wildcard bench/*.c))
# bench/gen_*.c helpers without main are linked into every bench program.
BENCH_LIB_SRC := $(sort $(filter-out bench/gen_scenario.c,$(wildcard bench/gen_*.c)))
BENCH_MAIN_SRC := $(filter-out $(BENCH_LIB_SRC),$(BENCH_SRC))

# $(call variant,NAME,CFLAGS) defines every product of one build variant.
define variant
B_$(1) := build/$(1)
OBJ_$(1) = $$(patsubst %.c,build/$(1)/obj/%.o,$$(1))
LIBS_$(1) := build/$(1)/libposkod.a build/$(1)/libposkoconfig.a \
             build/$(1)/libposkoalloc.a build/$(1)/libposkogeo.a

build/$(1)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$(CPPFLAGS) $$(PKG_CFLAGS) -c $$< -o $$@

build/$(1)/libposkogeo.a: $$(patsubst %.c,build/$(1)/obj/%.o,$$(GEO_SRC))
	@mkdir -p $$(dir $$@); rm -f $$@; $$(AR) rcs $$@ $$^ $$(if $$^,,)
build/$(1)/libposkoalloc.a: $$(patsubst %.c,build/$(1)/obj/%.o,$$(ALLOC_SRC))
	@mkdir -p $$(dir $$@); rm -f $$@; $$(AR) rcs $$@ $$^
build/$(1)/libposkoconfig.a: $$(patsubst %.c,build/$(1)/obj/%.o,$$(CONFIG_SRC))
	@mkdir -p $$(dir $$@); rm -f $$@; $$(AR) rcs $$@ $$^
build/$(1)/libposkod.a: $$(patsubst %.c,build/$(1)/obj/%.o,$$(DAEMON_SRC))
	@mkdir -p $$(dir $$@); rm -f $$@; $$(AR) rcs $$@ $$^

build/$(1)/poskod: build/$(1)/obj/daemon/main.o $$(LIBS_$(1))
	$$(CC) $(2) $$^ -o $$@ $$(PKG_LIBS)
build/$(1)/poskoctl: $$(patsubst %.c,build/$(1)/obj/%.o,$$(CTL_SRC)) $$(LIBS_$(1))
	$$(CC) $(2) $$^ -o $$@ $$(PKG_LIBS)
build/$(1)/tests/%: build/$(1)/obj/tests/%.o $$(LIBS_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$^ -o $$@ $$(PKG_LIBS) $$(TEST_LIBS)
build/$(1)/bench/%: build/$(1)/obj/bench/%.o $$(patsubst %.c,build/$(1)/obj/%.o,$$(BENCH_LIB_SRC)) $$(LIBS_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $(2) $$^ -o $$@ $$(PKG_LIBS) -lglpk

PROGS_$(1) := build/$(1)/poskod build/$(1)/poskoctl
TESTS_$(1) := $$(patsubst tests/%.c,build/$(1)/tests/%,$$(TEST_SRC))
BENCHES_$(1) := $$(patsubst bench/%.c,build/$(1)/bench/%,$$(BENCH_MAIN_SRC))
endef

$(eval $(call variant,rel,$(REL_CFLAGS)))
$(eval $(call variant,asan,$(ASAN_CFLAGS)))

.PHONY: all check demo run bench install uninstall clean deps deps-test fmt locale
.SECONDARY:

all: deps-quiet $(PROGS_rel) locale
	@ln -sf rel/poskod build/poskod; ln -sf rel/poskoctl build/poskoctl

# Only the libraries present need pkg-config; deps.sh installs the rest.
deps:
	@tools/deps.sh build
deps-test:
	@tools/deps.sh test
.PHONY: deps-quiet
deps-quiet:
	@tools/deps.sh build --quiet

check: deps-test
	@$(MAKE) --no-print-directory check-build
	@tools/run-tests.sh
.PHONY: check-build
check-build: $(PROGS_asan) $(TESTS_asan) $(BENCHES_asan) $(PROGS_rel) locale

demo:
	@tools/deps.sh demo
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

run: all
	@tools/run.sh

bench: deps-test
	@$(MAKE) --no-print-directory $(BENCHES_rel) $(PROGS_rel)
	@bench/run.sh $(BENCH_ARGS)

# Message catalogue for the desk console (gettext).
PO_SRC := $(wildcard ctl/po/*.po)
MO     := $(patsubst ctl/po/%.po,build/locale/%/LC_MESSAGES/poskoctl.mo,$(PO_SRC))
locale: $(MO)
build/locale/%/LC_MESSAGES/poskoctl.mo: ctl/po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/posko \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0755 build/rel/poskod $(DESTDIR)$(SBINDIR)/poskod
	install -m 0755 build/rel/poskoctl $(DESTDIR)$(BINDIR)/poskoctl
	test -e $(DESTDIR)$(SYSCONFDIR)/posko/posko.conf || \
	  install -m 0644 config/posko.conf $(DESTDIR)$(SYSCONFDIR)/posko/posko.conf
	for u in systemd/*.service systemd/*.socket systemd/*.conf; do \
	  [ -e "$$u" ] || continue; \
	  case $$u in *.conf) install -D -m 0644 $$u $(DESTDIR)/usr/lib/sysusers.d/posko.conf;; \
	  *) install -m 0644 $$u $(DESTDIR)$(UNITDIR)/;; esac; done
	cp -r data/sample data/jakarta $(DESTDIR)$(DATADIR)/ 2>/dev/null || true
	for m in docs/man/*.[158]; do [ -e "$$m" ] || continue; \
	  s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for mo in $(MO); do l=$${mo#build/locale/}; \
	  install -D -m 0644 $$mo $(DESTDIR)$(LOCALEDIR)/$$l; done
	[ ! -e ctl/poskoctl.bash ] || install -D -m 0644 ctl/poskoctl.bash \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/poskoctl

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/poskod $(DESTDIR)$(BINDIR)/poskoctl \
	  $(DESTDIR)$(UNITDIR)/poskod.service
	rm -rf $(DESTDIR)$(DATADIR)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)

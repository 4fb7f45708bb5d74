# rbox - one entry point. `make help` lists the targets.
# `make` alone builds everything (`all`), whatever target the included files define first.
.DEFAULT_GOAL := all
PREFIX    ?= /usr/local
# systemd units (contrib/): rbox.socket and rbox.service, for `rbox system service`
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR   ?=
BUILD     ?= build
CC        ?= gcc
PKG_CONFIG ?= pkg-config

# SANITIZE=1: ASan + UBSan, dynamically linked, into build-asan/ (the suite runs against it with
# `make test-asan`). Default: a static, lean binary (fast exec, no dynamic loader).
ifeq ($(SANITIZE),1)
BUILD     := build-asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
STATIC    :=
OPT       := -O1 -g
else
SAN_FLAGS :=
STATIC    ?= -static
OPT       ?= -O2 -g
endif

VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
COMMIT    := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

WARN      := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wmissing-prototypes \
             -Wstrict-prototypes -Wno-missing-field-initializers
CFLAGS    ?=
CFLAGS    += -std=gnu11 $(OPT) -ffunction-sections -fdata-sections $(WARN) $(SAN_FLAGS) \
             -DRBOX_VERSION=\"$(VERSION)\" -DRBOX_COMMIT=\"$(COMMIT)\" -MMD -MP
LDFLAGS   ?=
LDFLAGS   += $(SAN_FLAGS) -Wl,--gc-sections

RT_LIBS   := $(shell $(PKG_CONFIG) --libs --static yajl libseccomp libcap 2>/dev/null || echo -lyajl -lseccomp -lcap)
# Debian ships yajl's static archive as libyajl_s.a.
ifeq ($(STATIC),-static)
RT_LIBS   := $(subst -lyajl,-lyajl_s,$(RT_LIBS))
endif

# Each program's sources are the C files under its folders (docs/design.md has the map), and
# each program sees only its own headers and those below it: lib <- runtime;
# lib <- manager/common <- manager/rbox and manager/monitor.
srcs_in    = $(sort $(shell find $(1) -name '*.c'))
iquote_of  = $(addprefix -iquote ,$(sort $(patsubst %/,%,$(dir $(shell find $(1) -name '*.[ch]')))))
LIB_SRC   := $(call srcs_in,lib)
RT_SRC    := $(call srcs_in,runtime)
LIB_INC   := -iquote lib
RT_INC    := $(LIB_INC) $(call iquote_of,runtime)
MGR_INC   := $(LIB_INC) $(call iquote_of,manager/common manager/rbox)
MON_INC   := $(LIB_INC) $(call iquote_of,manager/common manager/monitor)
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
RT_CC     ?= $(if $(SAN_FLAGS),$(CC),$(shell command -v musl-gcc 2>/dev/null || echo $(CC)))
RT_OBJ    := $(RT_SRC:%.c=$(BUILD)/obj-rt/%.o) $(LIB_SRC:%.c=$(BUILD)/obj-rt/%.o)
# Expanded when a recipe runs, not when make reads this file: `make deps all` on a fresh machine
# installs musl-tools first. With musl: its include directory first, the library and kernel
# headers from the system's after it, Debian's static archives by path.
RT_MUSL    = $(filter %musl-gcc,$(RT_CC))
RT_CFLAGS  = $(if $(RT_MUSL),-idirafter /usr/include -idirafter /usr/include/$(shell $(CC) -print-multiarch) -I$(BUILD)/gen)
MON_CFLAGS = $(if $(filter %musl-gcc,$(MON_CC)),-idirafter /usr/include -idirafter /usr/include/$(shell $(CC) -print-multiarch) -I$(BUILD)/gen)
RT_LIBS_GLIBC := $(RT_LIBS)
RT_LIBS    = $(if $(RT_MUSL),$(foreach a,libyajl_s.a libseccomp.a libcap.a,$(shell $(CC) -print-file-name=$(a))),$(RT_LIBS_GLIBC))

# The manager: rbox (static, see MGR_LIBS below) and rbox-monitor (static and
# small: only libc, the contract in manager/common and the lib/ pieces it needs; one runs per
# container).
COMMON_SRC := $(call srcs_in,manager/common)
MON_SRC   := $(call srcs_in,manager/monitor) $(COMMON_SRC)
# the registry client (manager/rbox/registry/client, libcurl) is its own program, rbox-registry:
# libcurl has no complete static build on Debian (its .a needs krb5, ldap, nghttp2, ...), and a
# dynamically linked rbox pays ~5 ms of the loader on every command (33 libraries with libcurl's),
# so rbox stays static and runs rbox-registry for pull, push, login and logout.
REG_SRC   := $(call srcs_in,manager/rbox/registry/client)
MGR_SRC   := $(filter-out $(REG_SRC),$(call srcs_in,manager/rbox)) $(COMMON_SRC)
REG_OBJ   := $(REG_SRC:%.c=$(BUILD)/obj/%.o) $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard manager/rbox/registry/*.c))
REG_LIBS  := $(shell $(PKG_CONFIG) --libs libcurl nettle yajl 2>/dev/null || echo -lcurl -lnettle -lyajl)
MGR_OBJ   := $(MGR_SRC:%.c=$(BUILD)/obj/%.o)
# rbox-monitor is built against musl when musl-gcc is there (idle RSS ~250 kB instead of
# ~950 kB with a static glibc); sanitizer builds use $(CC).
MON_CC    ?= $(if $(SAN_FLAGS),$(CC),$(shell command -v musl-gcc 2>/dev/null || echo $(CC)))
MON_OBJ   := $(MON_SRC:%.c=$(BUILD)/obj-mon/%.o)
# lib/ as an archive for the monitor: the linker takes only the objects it uses.
MON_LIB   := $(BUILD)/obj-mon/lib.a
# rbox is static too: with the shared libraries libarchive drags in (libxml2 -> ICU ->
# libstdc++) the dynamic loader alone took ~6 ms of every command, `ps` included. Only the
# libarchive parts rbox uses are linked (no xar, so no libxml2). Sanitizer builds are dynamic.
ifeq ($(STATIC),-static)
MGR_LIBS  := -static -lmicrohttpd -larchive -lnettle -lyajl_s -llzma -lbz2 -lz -lzstd -llz4 -lacl -lm -lpthread
# `rbox system service` (manager/rbox/api) serves HTTP over a Unix socket with libmicrohttpd;
# Debian's archive needs GnuTLS, whose static link wants p11-kit (no archive): rbox never asks
# for TLS, so api/notls.c stands in for the GnuTLS symbols (a call aborts).
MGR_NOTLS := -DRBOX_MHD_NOTLS
else
MGR_LIBS  := $(shell $(PKG_CONFIG) --libs yajl libarchive nettle libmicrohttpd 2>/dev/null || echo -lyajl -larchive -lnettle -lmicrohttpd) -lm -lpthread
MGR_NOTLS :=
endif
MON_LDFLAGS := $(if $(SAN_FLAGS),,-static -Wl,--gc-sections)
# yajl, the one JSON library (the runtime's error lines, the state file)
MON_LIBS   = $(if $(SAN_FLAGS),-lyajl,$(shell $(CC) -print-file-name=libyajl_s.a))

BINS      := $(BUILD)/bin/rbox-runtime $(BUILD)/bin/rbox $(BUILD)/bin/rbox-monitor $(BUILD)/bin/rbox-registry

# librbox (docs/library.md): the sandbox as a C library that drives rbox-runtime. Its own
# folder, lib/, and the manager's seccomp profiles (seccomp_profiles.c, bundle/seccomp.c with
# spec.c's capability names) and verdict (common/report.c, ctrstate.c), as position-independent glibc
# objects with hidden visibility; only the rbox_* API of include/rbox/rbox.h is exported
# (librbox/librbox.map). The static archive is one relocatable object whose hidden symbols
# are made local, so lib/'s names cannot clash with a program's.
LRB_SRC   := $(call srcs_in,librbox) $(LIB_SRC) manager/common/report.c manager/common/ctrstate.c \
             manager/rbox/container/seccomp_profiles.c manager/rbox/container/spec.c \
             manager/rbox/bundle/seccomp.c
LRB_INC   := -iquote include -iquote librbox $(MGR_INC)
LRB_OBJ   := $(LRB_SRC:%.c=$(BUILD)/obj-lrb/%.o)
LRB_SOMAJ := 1
LRB_SO    := $(BUILD)/lib/librbox.so.$(LRB_SOMAJ)
LRB_A     := $(BUILD)/lib/librbox.a
LRB_PC    := $(BUILD)/lib/pkgconfig/rbox.pc
LRB_LIBS  := $(shell $(PKG_CONFIG) --libs yajl 2>/dev/null || echo -lyajl)
# the exported API: what the version script lists (the static archive keeps what they reach)
LRB_API   := $(shell sed -n 's/^ *\(rbox_[a-z_]*\);/\1/p' librbox/librbox.map)
LRB_OUT   := $(LRB_SO) $(BUILD)/lib/librbox.so $(LRB_A) $(LRB_PC) $(BUILD)/bin/rbox-judge

.PHONY: librbox
librbox: $(LRB_OUT)

$(BUILD)/obj-lrb/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $< (librbox)"
	@$(CC) $(CFLAGS) -fPIC -fvisibility=hidden $(LRB_INC) \
	    -DRBOX_LIB_RUNTIME=\"$(PREFIX)/bin/rbox-runtime\" -c -o $@ $<
$(BUILD)/obj-lrb/$(PROFILES:%/profiles=%)/seccomp_profiles.o: $(wildcard $(PROFILES)/*.json)

$(LRB_SO): $(LRB_OBJ) librbox/librbox.map
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -shared -Wl,-soname,librbox.so.$(LRB_SOMAJ) -Wl,--no-undefined \
	    -Wl,--version-script=librbox/librbox.map -o $@ $(LRB_OBJ) $(LRB_LIBS)
$(BUILD)/lib/librbox.so: $(LRB_SO)
	@ln -sf librbox.so.$(LRB_SOMAJ) $@
$(LRB_A): $(LRB_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	@ld -r --gc-sections $(addprefix -u ,$(LRB_API)) -o $(@D)/librbox-all.o $(LRB_OBJ)
	@objcopy --localize-hidden $(@D)/librbox-all.o
	@rm -f $@ && ar rcs $@ $(@D)/librbox-all.o && rm -f $(@D)/librbox-all.o
$(LRB_PC): librbox/rbox.pc.in VERSION
	@mkdir -p $(@D)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< >$@
# the example judge (examples/judge.c), against the shared library next to it
$(BUILD)/bin/rbox-judge: examples/judge.c include/rbox/rbox.h $(BUILD)/lib/librbox.so
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) -std=gnu11 $(OPT) $(WARN) -I include -o $@ $< -L$(BUILD)/lib -lrbox \
	    -Wl,-rpath,'$$ORIGIN/../lib'
-include $(LRB_OBJ:.o=.d)

.PHONY: all clean deps bundles bench test test-runtime test-manager test-asan lint format install uninstall help asan \
        unprotected man completion install-man install-completion

# the test helpers too: a clone must be able to run every suite after `make`
all: $(BINS) test-helpers librbox

$(BUILD)/bin/rbox-runtime: $(RT_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(RT_CC) $(LDFLAGS) $(STATIC) -o $@ $^ $(RT_LIBS)

$(BUILD)/bin/rbox: $(MGR_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(MGR_LIBS)

$(BUILD)/bin/rbox-registry: $(REG_OBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(REG_LIBS) -lm

$(BUILD)/bin/rbox-monitor: $(MON_OBJ) $(MON_LIB)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(MON_CC) $(LDFLAGS) $(MON_LDFLAGS) -o $@ $^ $(MON_LIBS) $(MON_LIB)

$(MON_LIB): $(LIB_SRC:%.c=$(BUILD)/obj-mon/%.o)
	@rm -f $@
	@ar rcs $@ $^

# glibc's error texts for the musl build (lib/error.c)
$(BUILD)/gen/errno_text.h: tools/errno-text.c
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@$(CC) -o $(@D)/errno-text $< && $(@D)/errno-text >$@.tmp && mv $@.tmp $@

$(BUILD)/obj-rt/%.o: %.c | $(BUILD)/gen/errno_text.h
	@mkdir -p $(@D)
	@echo "  CC      $< (runtime)"
	@$(RT_CC) $(CFLAGS) $(RT_INC) $(RT_CFLAGS) -c -o $@ $<

$(BUILD)/obj-mon/%.o: %.c | $(BUILD)/gen/errno_text.h
	@mkdir -p $(@D)
	@echo "  CC      $< (monitor)"
	@$(MON_CC) $(CFLAGS) $(MON_INC) $(MON_CFLAGS) -c -o $@ $<

$(BUILD)/obj/manager/%.o: manager/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(MGR_INC) -c -o $@ $<
$(BUILD)/obj/manager/rbox/api/notls.o: CFLAGS += $(MGR_NOTLS)

$(BUILD)/obj/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(LIB_INC) -c -o $@ $<

# the built-in seccomp profiles are embedded with .incbin
PROFILES  := manager/rbox/container/profiles
$(BUILD)/obj/$(PROFILES:%/profiles=%)/seccomp_profiles.o: $(wildcard $(PROFILES)/*.json)

-include $(RT_OBJ:.o=.d) $(LIB_OBJ:.o=.d) $(MGR_OBJ:.o=.d) $(REG_OBJ:.o=.d) $(MON_OBJ:.o=.d) $(LIB_SRC:%.c=$(BUILD)/obj-mon/%.d)

include tests/fuzz/fuzz.mk

asan:
	$(MAKE) SANITIZE=1 all

# Tests and benchmarks only: the runtime without the CVE-2019-5736 re-exec from a sealed memfd
# (tests/bats/runtime/escapes.bats shows the attack succeeding against it; docs/security.md
# measures what the protection costs). Never install it.
UNPROTECTED := $(BUILD)/test/rbox-runtime-unprotected
unprotected: $(UNPROTECTED)
$(UNPROTECTED): $(filter-out %/selfexe.o,$(RT_OBJ)) runtime/selfexe.c
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(RT_CC) $(CFLAGS) $(RT_INC) $(RT_CFLAGS) -DRBOX_SELFEXE_UNPROTECTED -c -o $(@D)/selfexe-unprotected.o runtime/selfexe.c
	@$(RT_CC) $(LDFLAGS) $(STATIC) -o $@ $(filter %.o,$^) $(@D)/selfexe-unprotected.o $(RT_LIBS)

# The C test helpers (tests/helpers/*.c), into $(BUILD)/test/ like the unprotected runtime.
# sandbox-probe, sysno and tty-probe run inside busybox containers: static, plain flags (no
# sanitizer). config-check
# drives the config parser (runtime/config*) without the runtime around it; it is linked
# dynamically so that valgrind can see its allocations (config_parse.bats checks for leaks).
STATIC_HELPERS := sandbox-probe sysno tty-probe udp-echo
TEST_HELPERS := $(STATIC_HELPERS:%=$(BUILD)/test/%) $(BUILD)/test/config-check $(BUILD)/test/tmpl-check \
                $(BUILD)/test/bf-check
CONFIG_CHECK_OBJ := $(BUILD)/obj/tests/helpers/config-check.o \
                    $(patsubst %.c,$(BUILD)/obj/%.o,$(filter runtime/config%,$(RT_SRC))) $(LIB_OBJ)
.PHONY: test-helpers
test-helpers: $(TEST_HELPERS)
$(STATIC_HELPERS:%=$(BUILD)/test/%): $(BUILD)/test/%: tests/helpers/%.c
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) -std=gnu11 -O2 $(WARN) -static -o $@ $<
$(BUILD)/test/config-check: $(CONFIG_CHECK_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ -lyajl
# tmpl-check drives rbox's --format evaluator (manager/rbox/format) alone (format.bats)
TMPL_CHECK_OBJ := $(BUILD)/obj/tests/helpers/tmpl-check.o \
                  $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard manager/rbox/format/*.c)) $(LIB_OBJ)
$(BUILD)/test/tmpl-check: $(TMPL_CHECK_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ -lyajl -lm
$(BUILD)/obj/tests/helpers/tmpl-check.o: CFLAGS += -iquote manager/rbox/format
-include $(BUILD)/obj/tests/helpers/tmpl-check.d
# bf-check drives the Containerfile parser (manager/rbox/build/parse.h) alone (build_parse.bats)
BF_CHECK_OBJ := $(BUILD)/obj/tests/helpers/bf-check.o $(BUILD)/obj/manager/rbox/build/parse.o \
                $(BUILD)/obj/manager/rbox/build/lex.o $(LIB_OBJ)
$(BUILD)/test/bf-check: $(BF_CHECK_OBJ)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $^ -lyajl -lm
$(BUILD)/obj/tests/helpers/bf-check.o: CFLAGS += -iquote manager/rbox/build
-include $(BUILD)/obj/tests/helpers/bf-check.d
$(BUILD)/obj/runtime/%.o $(BUILD)/obj/tests/helpers/%.o: CFLAGS += $(RT_INC)
$(BUILD)/obj/runtime/%.o: runtime/%.c
	@mkdir -p $(@D)
	@echo "  CC      $< (glibc, for config-check)"
	@$(CC) $(CFLAGS) -c -o $@ $<
$(BUILD)/obj/tests/helpers/%.o: tests/helpers/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<
-include $(CONFIG_CHECK_OBJ:.o=.d)

# Man pages and shell completions, made at build time from the programs themselves (their --help
# texts and `rbox completion SHELL`; docs/config.md for rbox.conf(5)) so they never drift from
# them: only sh and awk are needed. `make all` does not build them; install does.
MAN_DIR   := $(BUILD)/man
COMP_DIR  := $(BUILD)/completion
MAN_DATE  := $(shell git log -1 --format=%cs 2>/dev/null || date -u +%Y-%m-%d)
man: $(MAN_DIR)/.stamp
$(MAN_DIR)/.stamp: $(BUILD)/bin/rbox $(BUILD)/bin/rbox-runtime tools/mkman.sh tools/help2roff.awk \
                   tools/md2roff.awk docs/config.md
	@echo "  MAN     $(MAN_DIR)"
	@rm -rf $(MAN_DIR)
	@sh tools/mkman.sh $(BUILD)/bin/rbox $(BUILD)/bin/rbox-runtime $(MAN_DIR) $(VERSION) $(MAN_DATE)
	@touch $@
completion: $(BUILD)/bin/rbox
	@echo "  GEN     $(COMP_DIR)"
	@mkdir -p $(COMP_DIR)
	@$(BUILD)/bin/rbox completion bash >$(COMP_DIR)/rbox.bash
	@$(BUILD)/bin/rbox completion zsh >$(COMP_DIR)/_rbox
	@$(BUILD)/bin/rbox completion fish >$(COMP_DIR)/rbox.fish

# Debian packages needed to build and test (run as root on a fresh machine).
DEPS := build-essential pkg-config libyajl-dev libseccomp-dev libcap-dev libarchive-dev nettle-dev libzstd-dev liblz4-dev libacl1-dev \
        musl-tools \
        bats bats-assert bats-support bats-file busybox-static jq python3-jsonschema \
        clang-format cppcheck valgrind uidmap fuse-overlayfs iproute2 procps util-linux \
        qemu-system-x86 linux-image-amd64 \
        podman buildah conmon containerd runc umoci skopeo hyperfine time catatonit bubblewrap \
        clang libclang-rt-14-dev \
        netavark aardvark-dns iptables nftables \
        man-db groff-base mandoc zsh fish
# the registry client (rbox-registry) and its tests: docs/registry.md
DEPS += libcurl4-openssl-dev docker-registry apache2-utils openssl curl
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS)
# rbox system service (manager/rbox/api): libmicrohttpd
DEPS += libmicrohttpd-dev
# user-mode networking, --network slirp4netns / pasta (docs/networking.md)
DEPS += slirp4netns passt

bundles: bundles/busybox/rootfs/bin/busybox

bundles/busybox/rootfs/bin/busybox: tools/mkrootfs.sh
	sh tools/mkrootfs.sh bundles/busybox/rootfs

test: all bundles unprotected
	RBOX_BUILD=$(BUILD) bats --formatter tap --timing -r tests/bats

test-runtime: all bundles unprotected
	RBOX_BUILD=$(BUILD) bats --timing -r tests/bats/runtime

test-manager: all bundles
	RBOX_BUILD=$(BUILD) bats --timing -r tests/bats/manager

test-asan:
	$(MAKE) SANITIZE=1 all unprotected
	$(MAKE) bundles
	RBOX_BUILD=build-asan bats -r tests/bats/runtime

# Benchmarks against runc, crun and podman (docs/performance.md). QUICK=1 for a smoke run.
bench: all bundles $(BUILD)/bench/floor
	RBOX_BUILD=$(BUILD) bench/run.sh

# The floor contender of the bench's run scenario (bench/floor.c): static, like rbox-runtime.
$(BUILD)/bench/floor: bench/floor.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(RT_CC) $(CFLAGS) $(RT_CFLAGS) $(LDFLAGS) $(STATIC) -o $@ $<

C_FILES    = $(sort $(shell find lib runtime manager tests/helpers librbox include examples -name '*.[ch]'))
MAX_LINES := 1000
lint:
	@echo "  LINT    clang-format, file sizes, cppcheck"
	@clang-format --dry-run --Werror $(C_FILES)
	@awk -v max=$(MAX_LINES) 'FNR == 1 && NR > 1 && n > max { print prev ": " n " lines (at most " max ")"; bad = 1 } \
	    { n = FNR; prev = FILENAME } END { if (n > max) { print prev ": " n " lines (at most " max ")"; bad = 1 } exit bad }' $(C_FILES)
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	    --suppress=missingIncludeSystem $(patsubst -iquote,-I,$(RT_INC) $(MGR_INC) $(MON_INC)) lib runtime manager
	@cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	    --suppress=missingIncludeSystem $(patsubst -iquote,-I,$(LRB_INC)) librbox examples

format:
	clang-format -i $(C_FILES)

install: all install-man install-completion
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(SYSTEMD_UNITDIR)
	install -m 0644 contrib/rbox.socket $(DESTDIR)$(SYSTEMD_UNITDIR)/rbox.socket
	sed 's|@PREFIX@|$(PREFIX)|g' contrib/rbox.service.in >$(DESTDIR)$(SYSTEMD_UNITDIR)/rbox.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/rbox.service
	sed 's|@PREFIX@|$(PREFIX)|g' contrib/rbox-reconcile.service.in >$(DESTDIR)$(SYSTEMD_UNITDIR)/rbox-reconcile.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/rbox-reconcile.service
	install -d $(DESTDIR)$(PREFIX)/share/rbox/seccomp
	install -m 0644 $(PROFILES)/*.json $(DESTDIR)$(PREFIX)/share/rbox/seccomp/
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/rbox
	install -m 0755 $(LRB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf librbox.so.$(LRB_SOMAJ) $(DESTDIR)$(PREFIX)/lib/librbox.so
	install -m 0644 $(LRB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0644 $(LRB_PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 0644 include/rbox/rbox.h $(DESTDIR)$(PREFIX)/include/rbox/

install-man: man
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0644 $(MAN_DIR)/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(MAN_DIR)/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/

# where Debian's bash-completion, zsh and fish look
install-completion: completion
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	    $(DESTDIR)$(PREFIX)/share/zsh/site-functions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0644 $(COMP_DIR)/rbox.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/rbox
	install -m 0644 $(COMP_DIR)/_rbox $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rbox
	install -m 0644 $(COMP_DIR)/rbox.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/rbox.fish

uninstall:
	rm -f $(patsubst $(BUILD)/bin/%,$(DESTDIR)$(PREFIX)/bin/%,$(BINS))
	rm -f $(DESTDIR)$(SYSTEMD_UNITDIR)/rbox.socket $(DESTDIR)$(SYSTEMD_UNITDIR)/rbox.service
	rm -f $(DESTDIR)$(SYSTEMD_UNITDIR)/rbox-reconcile.service
	rm -rf $(DESTDIR)$(PREFIX)/share/rbox/seccomp
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/rbox.1 $(DESTDIR)$(PREFIX)/share/man/man1/rbox-*.1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/rbox.conf.5
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/rbox \
	    $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_rbox \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/rbox.fish
	rm -rf $(DESTDIR)$(PREFIX)/include/rbox
	rm -f $(DESTDIR)$(PREFIX)/lib/librbox.so* $(DESTDIR)$(PREFIX)/lib/librbox.a \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig/rbox.pc

clean:
	rm -rf build build-asan

help:
	@echo "make            build $(BINS)"
	@echo "make deps       install Debian build/test dependencies (root)"
	@echo "make bundles    build the busybox test rootfs into bundles/busybox/rootfs"
	@echo "make test       run the bats suite (tests/bats)"
	@echo "make test-manager  run the manager suite (tests/bats/manager)"
	@echo "make test-asan  run the runtime suite against an ASan+UBSan build"
	@echo "make unprotected  a test-only runtime without the CVE-2019-5736 protection"
	@echo "make test-helpers  the C test helpers (tests/helpers) into \$$(BUILD)/test"
	@echo "make fuzz       run each libFuzzer target for FUZZ_SECONDS (clang; tests/fuzz/fuzz.mk)"
	@echo "make fuzz-replay  the fuzz targets as plain programs (make test replays the corpora)"
	@echo "make lint       clang-format check, files under 1,000 lines, cppcheck"
	@echo "make man        the man pages into \$$(BUILD)/man (from the --help texts)"
	@echo "make completion bash, zsh and fish completions into \$$(BUILD)/completion"
	@echo "make librbox    the library (build/lib: librbox.so, librbox.a, rbox.pc) and rbox-judge"
	@echo "make install    install into \$$(DESTDIR)\$$(PREFIX)/bin (and lib, include, share/man, completions)"

# tests/fuzz/fuzz.mk - the fuzz targets (tests/fuzz/fuzz_*.c, one per parser; docs/security.md).
# Included from the top Makefile.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="config seccomp"]
#       build each target with clang and libFuzzer (+ ASan, UBSan) and run it for FUZZ_SECONDS,
#       one after the other (one process: -jobs/-workers are not used), from the committed
#       corpus tests/fuzz/<target>/corpus with the dictionary tests/fuzz/<target>/dict. New
#       inputs go to $(BUILD)/fuzz/work/<target>, crashes to $(BUILD)/fuzz/artifacts/<target>,
#       the output to $(BUILD)/fuzz/logs/<target>.log. A crash input belongs in
#       tests/fuzz/<target>/crashes/ once fixed.
#   make fuzz-merge   minimize corpus + work into tests/fuzz/<target>/corpus (libFuzzer -merge)
#   make fuzz-replay  the same targets as plain programs (gcc, ASan + UBSan, no libFuzzer):
#       tests/bats/fuzz_replay.bats runs them over every corpus and crash input (`make test`).
#
# Sources are found with `find`, so that files moving into subdirectories need no change here.

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= config seccomp mounts imageref state report flags template netconf regref wwwauth dockerfile
FUZZ_CC      ?= clang
FUZZ_OUT     := $(BUILD)/fuzz

FUZZ_RT_SRC  := $(filter-out %/main.c,$(shell find runtime -name '*.c'))
FUZZ_MGR_SRC := $(filter-out %/main.c %/monitor.c,$(shell find manager -name '*.c'))
FUZZ_LIB_SRC := $(shell find lib -name '*.c')
FUZZ_INC     := $(addprefix -iquote ,$(sort $(patsubst %/,%,$(dir $(FUZZ_LIB_SRC) $(FUZZ_RT_SRC) \
                  $(FUZZ_MGR_SRC)))) tests/fuzz)
FUZZ_DEFS    := -DRBOX_VERSION=\"$(VERSION)\" -DRBOX_COMMIT=\"$(COMMIT)\"
FUZZ_LIBS    := -lyajl -lseccomp -lcap -larchive -lnettle -lm

# replay: gcc, -O0 (no tail calls turned into jumps: a recursion shows), sanitizers that abort
FUZZ_REPLAY_CFLAGS := -std=gnu11 -O0 -g $(WARN) -fsanitize=address,undefined \
                      -fno-sanitize-recover=all -fno-omit-frame-pointer $(FUZZ_INC) $(FUZZ_DEFS)
# libFuzzer: clang; coverage in every object, the fuzzer's main() only in the targets
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wno-unused-command-line-argument \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer $(FUZZ_INC) $(FUZZ_DEFS)

FUZZ_ARCHIVES = $(foreach a,mgr rt lib,$(FUZZ_OUT)/$(1)/librbox-$(a).a)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz/bin/fuzz_%)
FUZZ_REPLAYS := $(FUZZ_TARGETS:%=$(FUZZ_OUT)/replay/bin/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-merge
# `make test` replays the corpora (tests/bats/fuzz_replay.bats)
test: fuzz-replay

fuzz-build: $(FUZZ_BINS)
fuzz-replay: $(FUZZ_REPLAYS)

fuzz: fuzz-build
	@mkdir -p $(FUZZ_OUT)/logs
	@status=0; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_OUT)/work/$$t $(FUZZ_OUT)/artifacts/$$t; \
	    echo "  FUZZ    $$t ($(FUZZ_SECONDS) s)"; \
	    dict=; [ -f tests/fuzz/$$t/dict ] && dict=-dict=tests/fuzz/$$t/dict; \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
	    $(FUZZ_OUT)/fuzz/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -timeout=10 -rss_limit_mb=1024 $$dict -artifact_prefix=$(FUZZ_OUT)/artifacts/$$t/ \
	        $(FUZZ_OUT)/work/$$t tests/fuzz/$$t/corpus >$(FUZZ_OUT)/logs/$$t.log 2>&1 \
	        || { status=1; echo "  FAILED  $$t: see $(FUZZ_OUT)/logs/$$t.log"; }; \
	    grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' \
	        $(FUZZ_OUT)/logs/$$t.log | sed 's/^/          /'; \
	done; exit $$status

fuzz-merge: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	    rm -rf $(FUZZ_OUT)/merged/$$t && mkdir -p $(FUZZ_OUT)/merged/$$t $(FUZZ_OUT)/work/$$t; \
	    $(FUZZ_OUT)/fuzz/bin/fuzz_$$t -merge=1 $(FUZZ_OUT)/merged/$$t tests/fuzz/$$t/corpus \
	        $(FUZZ_OUT)/work/$$t >/dev/null 2>&1 && \
	    rm -f tests/fuzz/$$t/corpus/* && cp $(FUZZ_OUT)/merged/$$t/* tests/fuzz/$$t/corpus/ && \
	    echo "  MERGE   $$t: $$(ls tests/fuzz/$$t/corpus | wc -l) inputs"; \
	done

define FUZZ_MODE # 1: mode (fuzz, replay), 2: compiler, 3: flags, 4: link flags
$(FUZZ_OUT)/$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  CC      $$< ($(1))"
	@$(2) $(3) -MMD -MP -c -o $$@ $$<
$(FUZZ_OUT)/$(1)/librbox-rt.a: $(FUZZ_RT_SRC:%.c=$(FUZZ_OUT)/$(1)/obj/%.o)
$(FUZZ_OUT)/$(1)/librbox-mgr.a: $(FUZZ_MGR_SRC:%.c=$(FUZZ_OUT)/$(1)/obj/%.o)
$(FUZZ_OUT)/$(1)/librbox-lib.a: $(FUZZ_LIB_SRC:%.c=$(FUZZ_OUT)/$(1)/obj/%.o)
$(FUZZ_OUT)/$(1)/librbox-%.a:
	@rm -f $$@
	@ar rcs $$@ $$^
$(FUZZ_OUT)/$(1)/bin/fuzz_%: $(FUZZ_OUT)/$(1)/obj/tests/fuzz/fuzz_%.o $(4) $(call FUZZ_ARCHIVES,$(1))
	@mkdir -p $$(@D)
	@echo "  LD      $$@"
	@$(2) $(3) -o $$@ $$(filter %.o,$$^) -Wl,--start-group $(call FUZZ_ARCHIVES,$(1)) \
	    -Wl,--end-group $(FUZZ_LIBS) $(if $(4),,-fsanitize=fuzzer)
$(FUZZ_OUT)/$(1)/obj/manager/seccomp_profiles.o: $(wildcard manager/profiles/*.json)
-include $(shell find $(FUZZ_OUT)/$(1)/obj -name '*.d' 2>/dev/null)
endef
$(eval $(call FUZZ_MODE,fuzz,$(FUZZ_CC),$(FUZZ_CFLAGS),))
$(eval $(call FUZZ_MODE,replay,$(CC),$(FUZZ_REPLAY_CFLAGS),$(FUZZ_OUT)/replay/obj/tests/fuzz/replay_main.o))
# the targets' objects are not intermediate files to delete
.SECONDARY: $(foreach m,fuzz replay,$(FUZZ_TARGETS:%=$(FUZZ_OUT)/$(m)/obj/tests/fuzz/fuzz_%.o)) \
            $(FUZZ_OUT)/replay/obj/tests/fuzz/replay_main.o

# Mercato: the two commands of the README, plus the sanitizer build and benchmarks.
#   make run    install what is missing, build, run a dev node on ./data/dev
#   make test   install what is missing, build, run every test
JOBS      ?= $(shell nproc)
BUILD     ?= build
ASAN      ?= build-asan
DATA_DIR  ?= data/dev
LISTEN    ?= 127.0.0.1:8080
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: deps build run test asan test-asan bench bench-quick bench-detail loadtest format format-check clean

deps:
	@tools/install-deps.sh

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS)

# Only the node and what it links: tests and benchmarks are not built for a run.
run: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS) --target mercatod
	$(BUILD)/tools/mercatod --data-dir $(DATA_DIR) --listen $(LISTEN) --profile dev

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --no-tests=error

$(ASAN)/build.ninja:
	cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DMERCATO_SANITIZE=ON

asan: deps $(ASAN)/build.ninja
	cmake --build $(ASAN) -j$(JOBS)

test-asan: asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/tools/ubsan.supp \
	ctest --test-dir $(ASAN) --output-on-failure -j$(JOBS) --no-tests=error

# Mercato against the systems users would pick instead: installs the peers, runs
# every figure 3 times, prints the tables and rewrites the make-bench block of docs/benchmarks.md.
bench: build
	tools/bench/compare.py --build $(BUILD) --out docs/benchmarks.md

# The same harness in short runs (< 10 minutes); prints, writes nothing.
bench-quick: build
	tools/bench/compare.py --build $(BUILD) --quick

# The replaced system's k6 load test at full length (16 minutes, 200 users) against a freshly
# started node (docs/loadtest.md); exits non-zero when a threshold fails.
# LOADTEST_SYSTEMS=mercato,fastify runs the Fastify + Redis peer after it.
LOADTEST_SYSTEMS ?= mercato
loadtest: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j$(JOBS) --target mercatod
	tools/bench/loadtest.sh --full --build $(BUILD) --systems $(LOADTEST_SYSTEMS)

# Each component's own benchmark in depth, into docs/benchmarks-detail.md (the event store
# first: it starts the file).
bench-detail: build
	$(BUILD)/tools/bench/eventstore_bench --out docs/benchmarks-detail.md
	$(BUILD)/tools/bench/actors_bench --out docs/benchmarks-detail.md
	$(BUILD)/tools/bench/projections_bench --out docs/benchmarks-detail.md
	$(BUILD)/tools/bench/http_core_bench --out docs/benchmarks-detail.md
	$(BUILD)/tools/bench/outbox_bench --out docs/benchmarks-detail.md
	$(BUILD)/tools/bench/export_bench --out docs/benchmarks-detail.md
	tools/bench/http_bench.sh --build $(BUILD) --out docs/benchmarks-detail.md

format:
	find common config eventstore codec http tools tests actors projections cluster -name '*.[ch]pp' | xargs clang-format -i

format-check:
	find common config eventstore codec http tools tests actors projections cluster -name '*.[ch]pp' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN)

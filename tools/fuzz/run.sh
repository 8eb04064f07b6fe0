#!/usr/bin/env bash
# Builds the libFuzzer target of the HTTP request-parsing layer with clang
# (-fsanitize=fuzzer,address,undefined) and runs it for a bounded time.
#   tools/fuzz/run.sh [SECONDS]        default 60; FUZZ_OUT=<dir> (default /tmp/mercato-fuzz)
# The checked-in seeds (tools/fuzz/corpus) are read only; what the run discovers goes to
# $FUZZ_OUT/corpus and crashing inputs to $FUZZ_OUT/crash-*. Exit status: libFuzzer's
# (non-zero on any crash, sanitizer report or failed invariant).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-60}
out=${FUZZ_OUT:-/tmp/mercato-fuzz}
cxx=${FUZZ_CXX:-clang++-14}
mkdir -p "$out/corpus"

# The platform sources the target reaches, plus the config library (jwt.hpp names its
# types; config_to_string is used in messages). No Pistache, no RocksDB.
sources=(
  tools/fuzz/http_request_fuzz.cpp
  http/src/problem.cpp http/src/validate.cpp http/src/text.cpp http/src/jwt.cpp http/src/webhook_sig.cpp
  config/src/key_table.cpp config/src/load.cpp config/src/rules.cpp config/src/yaml_source.cpp
)
echo "fuzz: building $out/http_request_fuzz with $cxx"
"$cxx" -std=c++20 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Icommon/include -Iconfig/include -Iconfig/src -Ihttp/include -Ihttp/src \
  "${sources[@]}" -o "$out/http_request_fuzz" \
  $(pkg-config --cflags --libs libjwt libsodium yaml-cpp)

echo "fuzz: running for ${seconds}s"
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  "$out/http_request_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" tools/fuzz/corpus

#!/usr/bin/env bash
# The include graph points one way:
#   http → actors, projections → codec → eventstore → schemas   (common and config: anyone)
# and the repository points nowhere outside itself. Fails, naming the file, when a
# component includes a header of a component above it, when the event store includes
# anything that knows commerce, or when a file points at the brief folder beside the
# repository (a path a clone does not have). Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

# component → the mercato/<dir> headers it must never include (higher layers)
declare -A forbidden=(
  [schemas]="eventstore codec domain actors projections http cluster"
  [eventstore]="codec domain actors projections http cluster"
  [codec]="domain actors projections http"
  [actors/domain]="actors projections http eventstore"
  [actors/runtime]="projections http"
  [projections]="actors http"
  [cluster]="http projections"
)
status=0
for component in "${!forbidden[@]}"; do
  [ -d "$component" ] || continue
  for above in ${forbidden[$component]}; do
    if hits=$(grep -rn --include='*.hpp' --include='*.cpp' --include='*.capnp' \
        -E "#include <mercato/${above}/|import \"${above}" "$component" 2>/dev/null); then
      echo "layering: $component must not include $above:"
      echo "$hits"
      status=1
    fi
  done
done
# Nothing in the event store may know the domain's schemas.
if hits=$(grep -rn -E "events\.capnp|commands\.capnp|snapshots\.capnp|schema::Event\b" eventstore 2>/dev/null); then
  echo "layering: the event store must not know the events:"
  echo "$hits"
  status=1
fi
# http never opens RocksDB.
if hits=$(grep -rln "rocksdb/" http 2>/dev/null); then
  echo "layering: http must not include RocksDB: $hits"
  status=1
fi
outside="shar""ed/"  # spelled apart so this script does not match itself; node_modules: npm packages the peer benches install
if hits=$(grep -rn "$outside" . --exclude-dir=.git --exclude-dir='build*' --exclude-dir=node_modules 2>/dev/null); then
  echo "the repository must not point outside itself:"
  echo "$hits"
  status=1
fi
[ $status -eq 0 ] && echo "layers: ok (http → actors, projections → codec → eventstore → schemas)"
exit $status

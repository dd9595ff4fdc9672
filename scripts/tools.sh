#!/usr/bin/env bash
# Builds the tools Outdial runs beside itself into .bin, once: the temporal
# CLI (the dev server with its Web UI; about 5 minutes on 2 cores) and, for
# --lint, staticcheck, errcheck and Temporal's workflowcheck. All come from
# the Go module proxy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export GOBIN="$root/.bin"
mkdir -p "$GOBIN"
if [[ ! -x "$GOBIN/temporal" ]]; then
  echo "tools.sh: building the temporal CLI v1.5.1 (Temporal's dev server and Web UI) into .bin:" \
    "once, about 5 minutes on 2 cores; a line every 30 s until it is done" >&2
  go install github.com/temporalio/cli/cmd/temporal@v1.5.1 &
  build=$! start=$SECONDS next=30
  while kill -0 "$build" 2>/dev/null; do
    sleep 1
    elapsed=$((SECONDS - start))
    if ((elapsed >= next)) && kill -0 "$build" 2>/dev/null; then
      echo "tools.sh: still building the temporal CLI ($((elapsed / 60)) min $((elapsed % 60)) s so far)" >&2
      next=$((next + 30))
    fi
  done
  wait "$build"
  echo "tools.sh: built the temporal CLI in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s" >&2
fi
lint() { # lint NAME MODULE@VERSION
  if [[ ! -x "$GOBIN/$1" ]]; then
    echo "tools.sh: building $1 into .bin (once)" >&2
    go install "$2"
  fi
}
if [[ "${1:-}" == "--lint" ]]; then
  lint staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2
  lint errcheck github.com/kisielk/errcheck@v1.30.0
  lint workflowcheck go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0
fi

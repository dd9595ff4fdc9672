#!/usr/bin/env bash
# Builds the tools Outdial runs beside itself into .bin, once: the temporal
# CLI (the dev server with its Web UI; about 3 minutes on 2 cores) and, for
# --lint, staticcheck, errcheck and Temporal's workflowcheck. All come from
# the Go module proxy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export GOBIN="$root/.bin"
mkdir -p "$GOBIN"
if [[ ! -x "$GOBIN/temporal" ]]; then
  echo "tools.sh: building the temporal CLI v1.5.1 into .bin (once, about 3 minutes)" >&2
  go install github.com/temporalio/cli/cmd/temporal@v1.5.1
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

#!/usr/bin/env bash
# Builds the tools Outdial runs beside itself into .bin, once: the temporal
# CLI (the dev server with its Web UI; about 3 minutes on 2 cores) and
# staticcheck. Both come from the Go module proxy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export GOBIN="$root/.bin"
mkdir -p "$GOBIN"
if [[ ! -x "$GOBIN/temporal" ]]; then
  echo "tools.sh: building the temporal CLI v1.5.1 into .bin (once, about 3 minutes)" >&2
  go install github.com/temporalio/cli/cmd/temporal@v1.5.1
fi
if [[ "${1:-}" == "--lint" && ! -x "$GOBIN/staticcheck" ]]; then
  echo "tools.sh: building staticcheck into .bin (once)" >&2
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

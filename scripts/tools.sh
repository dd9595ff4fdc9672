#!/usr/bin/env bash
# Builds the tools Outdial runs beside itself into .bin, once: the temporal
# CLI (the dev server with its Web UI; about 5 minutes on 2 cores) and, for
# --lint, staticcheck, errcheck and Temporal's workflowcheck; for --cluster,
# a real Temporal server, its SQL schema tool and the Web UI server in
# .bin/cluster (see scripts/temporal-cluster.sh). All come from the Go module
# proxy as binaries of their own, never imported into Outdial's module.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export GOBIN="$root/.bin"
mkdir -p "$GOBIN"

# build BIN WHAT ABOUT MODULE@VERSION: go install, with a line every 30 s
# while it runs, since the big ones take minutes; BIN is the binary's path.
build() {
  local bin=$1 what=$2 about=$3 pkg=$4
  [[ -x "$bin" ]] && return 0
  echo "tools.sh: building $what into ${bin#"$root/"}: once, $about on 2 cores; a line every 30 s until it is done" >&2
  GOBIN=$(dirname "$bin") go install "$pkg" &
  local pid=$! start=$SECONDS next=30 elapsed
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    elapsed=$((SECONDS - start))
    if ((elapsed >= next)) && kill -0 "$pid" 2>/dev/null; then
      echo "tools.sh: still building $what ($((elapsed / 60)) min $((elapsed % 60)) s so far)" >&2
      next=$((next + 30))
    fi
  done
  wait "$pid"
  elapsed=$((SECONDS - start))
  echo "tools.sh: built $what in $((elapsed / 60)) min $((elapsed % 60)) s" >&2
}

build "$GOBIN/temporal" "the temporal CLI v1.5.1 (Temporal's dev server and Web UI)" "about 5 minutes" \
  github.com/temporalio/cli/cmd/temporal@v1.5.1

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

if [[ "${1:-}" == "--cluster" ]]; then
  cluster="$GOBIN/cluster"
  build "$cluster/server" "the Temporal server v1.29.1" "about 6 minutes" go.temporal.io/server/cmd/server@v1.29.1
  build "$cluster/sql" "Temporal's SQL schema tool v1.29.1" "about 2 minutes" go.temporal.io/server/cmd/tools/sql@v1.29.1
  # The UI server's command is also named server: it is built apart and
  # renamed. v2.42.1 is the UI the temporal CLI v1.5.1 embeds.
  if [[ ! -x "$cluster/temporal-ui" ]]; then
    build "$cluster/ui/server" "the Temporal Web UI server v2.42.1" "about 1 minute" \
      github.com/temporalio/ui-server/v2/cmd/server@v2.42.1
    mv "$cluster/ui/server" "$cluster/temporal-ui" && rmdir "$cluster/ui"
  fi
  # The versioned schema directories ship in the server's module; download
  # it into the module cache without adding it to go.mod.
  go mod download go.temporal.io/server@v1.29.1
fi

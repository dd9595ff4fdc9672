#!/usr/bin/env bash
# make bench-predictive: a discrete-event simulation, in simulated time, of
# a campaign's 8-hour shift on a grid of models, for Outdial's predictive
# pacer (the real pacing code), VICIdial's ADAPT_AVERAGE, the best fixed
# ratio and progressive pacing on the same calls (see
# scripts/benchpredictive). No database or Temporal; a few minutes on two
# cores. SEEDS=N for another number of seeds (3 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./scripts/benchpredictive --seeds "${SEEDS:-3}"

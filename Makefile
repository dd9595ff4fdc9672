# The two commands of README.md: `make run` and `make test`. Each sets up
# what it needs (tools in .bin, a private PostgreSQL and Temporal in .data).
.PHONY: run test lint build clean

run:
	DEMO=$(DEMO) CLUSTER=$(CLUSTER) scripts/run.sh

test:
	scripts/test.sh

build:
	go build -o .bin/outdial ./cmd/outdial

clean:
	-scripts/postgres.sh stop run
	-scripts/postgres.sh stop test
	rm -rf .data

# Every fuzz target for FUZZTIME each (30s by default); fails on a crasher.
.PHONY: fuzz
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

# Benchmarks print figures beside limits measured in the same run.
.PHONY: bench-import
bench-import:
	ROWS=$(ROWS) scripts/bench-import.sh

.PHONY: bench-stats
bench-stats:
	ROWS=$(ROWS) scripts/bench-stats.sh

.PHONY: bench-dial
bench-dial:
	CONTACTS=$(CONTACTS) AGENTS=$(AGENTS) scripts/bench-dial.sh

# The fault suite: the real stack as separate processes, broken on purpose
# (about 10 minutes; see README).
.PHONY: test-faults
test-faults:
	scripts/test-faults.sh

# The production shape on this machine: a Temporal server on PostgreSQL,
# two workers and two APIs, one worker killed (see README "Cluster").
.PHONY: test-cluster
test-cluster:
	scripts/test-cluster.sh

.PHONY: bench-cluster
bench-cluster:
	CONTACTS=$(CONTACTS) AGENTS=$(AGENTS) WORKERS=$(WORKERS) scripts/bench-cluster.sh

.PHONY: bench-export
bench-export:
	ROWS=$(ROWS) scripts/bench-export.sh

# The predictive pacer against VICIdial's adaptive dialing, the best fixed
# ratio and progressive, in simulated time (see README "Predictive pacing").
.PHONY: bench-predictive
bench-predictive:
	SEEDS=$(SEEDS) scripts/bench-predictive.sh

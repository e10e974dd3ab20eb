# Fault campaign (tests/chaos): real broker, sandbox and workers under kills, broker pauses and restarts,
# outages, 5xx/429, rebalances and poison records; prints the figures and fails when a record is lost or
# duplicated. With broker restarts (short form, chaos-restarts) its broker stores on S3 (a moto server it
# starts itself, from the dev extras) so that data and offsets survive them; the long form has no
# restarts and runs on the fast memory engine.
# The workers run the code of this checkout: for the long form, run it from a clean checkout so that
# edits made meanwhile do not change the code under test half-way.
CHAOS_ARGS ?=

chaos: $(STAMP) ## Fault campaign, long form (16 min of faults, then settling: 55 kills, 12 broker pauses, 5 x 60 s outages)
	$(BIN)/python -m tests.chaos --long $(CHAOS_ARGS)

chaos-restarts: $(STAMP) ## Fault campaign with 8 broker restarts on S3 storage (about 10 min; seeds 1 and 2 pass; one seed-1 run stalled: the group stopped forming after a restart)
	$(BIN)/python -m tests.chaos --restarts $(CHAOS_ARGS)

chaos-short: $(STAMP) ## Fault campaign, short form for CI (about 70-100 s); CHAOS_ARGS="--wire-format avro-registry"
	$(BIN)/python -m tests.chaos --short $(CHAOS_ARGS)

.PHONY: chaos chaos-short chaos-restarts

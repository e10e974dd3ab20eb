# Benchmark targets beside `make bench` (owned by tests/bench).

bench-orders: $(STAMP) ## Real-time orders only: worker vs sequential consumer vs raw client, L x K cells (~8 min)
	$(BIN)/python -m tests.bench --only orders $(BENCH_ARGS)

bench-stacks: $(STAMP) ## Raw Stream client on each HTTP stack (the worker's aiohttp session, aiohttp variants, httpx pools, httpx+aiohttp; asyncio/uvloop)
	$(BIN)/python -m tests.bench --only stacks $(BENCH_ARGS)

.PHONY: bench-orders bench-stacks

# CDP sandbox targets (owned by the sandbox package).
SANDBOX_LOAD_ARGS ?= --seconds 10 --connections 32

sandbox-run: $(STAMP) ## Run the CDP sandbox in the foreground (SANDBOX_ARGS, e.g. --port 8080 --db cdp.db)
	$(BIN)/python -m sandbox $(SANDBOX_ARGS)

sandbox-load: $(STAMP) ## Measure Stream event capacity of the sandbox with wrk (memory and --db); needs wrk
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
	$(BIN)/python -m sandbox.load $(SANDBOX_LOAD_ARGS)

.PHONY: sandbox-run sandbox-load

# The two commands of the README. Both work from a fresh clone with only Python 3.11.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install lint typecheck pytest test-durations schema clean fuzz faults

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import sys; assert sys.version_info >= (3, 11), sys.version" || { echo "need Python 3.11+ (make PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## make run: the whole system on the embedded default (NATS + SQLite + local files under .ecohost/)
run: $(STAMP)
	$(BIN)/ecohost dev

## make test: lint, format check, types, and the whole suite on real NATS, PostgreSQL and S3
test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy .

# Two pytest-xdist workers, each stack's tests on one of them (tests/parallel.py,
# docs/testing.md); PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= 2
pytest: $(STAMP)
	$(BIN)/pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadgroup) $(PYTEST_ARGS)

## make test-durations: the suite, then the seconds per group the workers are scheduled by
## (tests/group_durations.json, from the run's junit xml; docs/testing.md, Two workers)
DURATIONS_XML ?= .ecohost/test-durations.xml
test-durations: $(STAMP)
	mkdir -p $(dir $(DURATIONS_XML))
	$(MAKE) pytest PYTEST_ARGS='--junitxml=$(DURATIONS_XML) $(PYTEST_ARGS)'
	$(BIN)/python -m tools.group_durations $(DURATIONS_XML)

## make fuzz: the fuzzer of tests/fuzz with more examples, on both backends (docs/security.md, Fuzzing)
ECOHOST_FUZZ_EXAMPLES ?= 50
ECOHOST_FUZZ_DATABASES ?= postgresql,sqlite
fuzz: $(STAMP)
	ECOHOST_FUZZ_EXAMPLES=$(ECOHOST_FUZZ_EXAMPLES) ECOHOST_FUZZ_DATABASES=$(ECOHOST_FUZZ_DATABASES) \
		$(BIN)/pytest tests/fuzz -p no:cacheprovider $(PYTEST_ARGS)

## make faults: the fault suite and the backup drill on a 3-node NATS cluster, 10,000 events per fault (docs/BENCHMARKS.md §16)
FAULT_BURST ?= 10000
faults: $(STAMP)
	ECOHOST_FAULT_BURST=$(FAULT_BURST) ECOHOST_DRILL_BURST=$$(( $(FAULT_BURST) / 10 )) \
		ECOHOST_FAULT_REPORT=$${ECOHOST_FAULT_REPORT:-faults-report.json} \
		$(BIN)/pytest tests/faults -p no:cacheprovider $(PYTEST_ARGS)

## make schema: re-export schema.graphql and the contract JSON Schemas after an API change
schema: $(STAMP)
	$(BIN)/ecohost export-schema

clean:
	rm -rf $(VENV) .ecohost .mypy_cache .ruff_cache .pytest_cache

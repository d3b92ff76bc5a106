# callsim: every target creates its own virtual environment (.venv) when needed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
WORKERS ?=

.PHONY: demo levers test test-full bench bench-scaling lint mutants clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

LEVERS := configs/baseline.yaml configs/outsourcing.yaml configs/unrealistic_kpi.yaml configs/thin_training.yaml configs/survey_kpi.yaml

demo: $(STAMP)  ## the lever study: baseline vs outsourcing, unrealistic KPI, thin training (results/demo/)
	$(VENV)/bin/callsim compare $(LEVERS) --set days=182 --replications 4 --out results/demo

levers: $(STAMP)  ## the full lever study: one year, 8 replications per scenario (results/levers/)
	$(VENV)/bin/callsim compare $(LEVERS) --replications 8 --out results/levers

.PHONY: calibrate
calibrate: $(STAMP)  ## the model against cited evidence: baseline and outsourcing, one year, 4 replications each
	$(VENV)/bin/callsim calibrate configs/baseline.yaml --replications 4
	$(VENV)/bin/callsim calibrate configs/outsourcing.yaml --replications 4

test: $(STAMP)  ## fast suite (CI): unit, regression, notebook and a meaningful statistical subset
	$(PY) -m pytest -q -n 2 --dist loadfile

test-full: $(STAMP)  ## everything, including the long statistical validation
	$(PY) -m pytest -q -n 2 --dist loadfile -m ""

bench: $(STAMP)  ## fast and SimPy engines vs a straightforward SimPy model, a baseline year, compile time, memory (bench/bench_engine.py --quick: short); then sweep scaling
	$(PY) bench/bench_engine.py
	$(PY) bench/bench_scaling.py

bench-scaling: $(STAMP)  ## sweep throughput: 1 vs 2 local workers vs a 2-worker Dask cluster
	$(PY) bench/bench_scaling.py

lint: $(STAMP)
	$(VENV)/bin/ruff check simulator tests bench
	$(VENV)/bin/mypy

# NAME:k = every k-th mutant of NAME (k = 2, 5 or 10): engine and workforce in full take over an hour each.
MUTANTS_MODULES ?= stats costs routing formulas demand workforce:10 engine.flow:10 engine.floor engine.recorder engine.simulation
MUTANTS_SAMPLE  ?= 1
MUTANTS_JOBS    ?= 2

mutants: $(STAMP)  ## mutation testing of the core modules (slow, not in CI; docs/testing.md): MUTANTS_MODULES="stats engine.flow:10"
	$(PY) tools/mutants.py run --modules "$(MUTANTS_MODULES)" --sample $(MUTANTS_SAMPLE) --jobs $(MUTANTS_JOBS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

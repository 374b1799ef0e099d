# calcidata -- every target creates .venv on first use and installs the project into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= $(shell $(PYTHON) -c "import os; print(os.cpu_count() or 1)")
# The browser tests drive Debian's Chromium (Playwright's own browser downloads cannot work
# here); it is installed with apt-get when missing, through sudo unless we are root.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell test "$$(id -u)" -eq 0 || echo sudo)
APT      := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get

.DEFAULT_GOAL := help
.PHONY: help install chromium reports validate dictionary test test-fast lab bench lint format clean

help: ## list every target
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) chromium ## create .venv and install calcidata with its dev tools (and Chromium)

chromium: ## install Debian's Chromium for the browser tests when /usr/bin/chromium is missing
	@test -x $(CHROMIUM) || $(APT) install -y chromium \
		|| { $(APT) update && $(APT) install -y chromium; }

reports: $(STAMP) ## validate the data and render every report into reports/
	$(BIN)/calcidata validate
	$(BIN)/calcidata build -j $(JOBS)

validate: $(STAMP) ## validate every table and list all problems
	$(BIN)/calcidata validate

dictionary: $(STAMP) ## regenerate data/README.md from the schemas
	$(BIN)/calcidata dictionary

test: $(STAMP) chromium lint ## lint, then the whole test suite (real kernels, the full build, Spark, Chromium)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

test-fast: $(STAMP) chromium ## run the tests that need no notebook kernel (no full build, no Spark)
	$(BIN)/python -m pytest -n $(JOBS) -m "not slow and not full_build and not spark"

lab: $(STAMP) ## start JupyterLab in notebooks/ with the project's environment as kernel
	cd notebooks && ../$(BIN)/jupyter lab

bench: $(STAMP) ## run the benchmarks; results go to benchmarks/results.md
	$(BIN)/python -m benchmarks

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check calcidata tests benchmarks
	$(BIN)/ruff format --check calcidata tests benchmarks

format: $(STAMP) ## apply ruff formatting
	$(BIN)/ruff format calcidata tests benchmarks

clean: ## remove generated reports and caches (keeps .venv)
	rm -rf reports/*/ reports/index.html reports/_index.json .pytest_cache build dist *.egg-info

# calcidata -- every target creates .venv on first use and installs the project into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= $(shell $(PYTHON) -c "import os; print(os.cpu_count() or 1)")
# The notebooks' kernel, registered inside .venv (ipykernel install --sys-prefix).
KERNEL := $(VENV)/share/jupyter/kernels/calcidata/kernel.json
# JupyterLab refuses to run as root (as in containers) without --allow-root.
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root)
LAB_ARGS ?=
# The browser tests drive Debian's Chromium (Playwright's own browser downloads cannot work
# here); it is installed with apt-get when missing, through sudo unless we are root.
CHROMIUM := /usr/bin/chromium
SUDO     := $(shell test "$$(id -u)" -eq 0 || echo sudo)
# Another process may hold the dpkg lock (an unattended upgrade): wait up to 10 minutes.
APT      := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600

.DEFAULT_GOAL := help
.PHONY: help install git-filter chromium reports validate dictionary test test-fast lab app bench lint format clean

help: ## list every target
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(KERNEL): $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name calcidata --display-name "Python (calcidata)"

install: $(KERNEL) git-filter chromium ## create .venv, install calcidata and its dev tools, register the kernel `calcidata`, install Chromium

# In a git checkout of its own (not outside git, nor in a linked worktree, whose
# config is the main checkout's), nbstripout cleans notebooks as git stages them;
# .gitattributes names the filter. Cell ids are kept.
git-filter: $(STAMP) ## install nbstripout as the git filter for notebooks
	@top=$$(git rev-parse --show-toplevel 2>/dev/null); \
	if [ "$$top" != "$(CURDIR)" ]; then \
	  echo "not a git checkout: no nbstripout filter installed"; \
	elif [ "$$(git rev-parse --path-format=absolute --git-dir)" != \
	       "$$(git rev-parse --path-format=absolute --git-common-dir)" ]; then \
	  echo "a linked worktree shares the main checkout's git config: run make install there"; \
	else \
	  $(BIN)/nbstripout --install --attributes .gitattributes && \
	  git config filter.nbstripout.clean '"$(abspath $(BIN))/python" -m nbstripout --keep-id' && \
	  git config diff.ipynb.textconv '"$(abspath $(BIN))/python" -m nbstripout --keep-id -t' && \
	  echo "nbstripout is the git filter for notebooks"; \
	fi

chromium: ## install Debian's Chromium for the browser tests when /usr/bin/chromium is missing
	@test -x $(CHROMIUM) || $(APT) install -y chromium \
		|| { $(APT) update && $(APT) install -y chromium; }

reports: $(KERNEL) ## validate the data and render every report into reports/ (registers the kernel `calcidata` too)
	$(BIN)/calcidata validate
	$(BIN)/calcidata build -j $(JOBS)

validate: $(STAMP) ## validate every table and list all problems
	$(BIN)/calcidata validate

dictionary: $(STAMP) ## regenerate data/README.md from the schemas
	$(BIN)/calcidata dictionary

test: $(KERNEL) chromium lint ## lint, then the whole test suite (real kernels, the full build, Spark, Chromium)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup

test-fast: $(KERNEL) chromium ## run the tests that need no notebook kernel (no full build, no Spark)
	$(BIN)/python -m pytest -n $(JOBS) -m "not slow and not full_build and not spark"

lab: $(KERNEL) ## start JupyterLab in notebooks/ with the kernel `calcidata` (LAB_ARGS: more options)
	cd notebooks && $(abspath $(BIN))/jupyter lab $(LAB_FLAGS) $(LAB_ARGS)

# Voila serves the explorer notebook as a web app: outputs and widgets, no code, offline.
APP_PORT ?= 8866
app: $(KERNEL) ## serve the explorer (notebooks/explore.ipynb) as a web app with Voila on localhost:8866 (APP_PORT=...)
	cd notebooks && JUPYTER_PATH=$(CURDIR)/app $(abspath $(BIN))/voila explore.ipynb \
		--template=calcidata --no-browser --port=$(APP_PORT) --Voila.ip=127.0.0.1 \
		--strip_sources=True $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True)

bench: $(STAMP) ## run the benchmarks; results go to benchmarks/results.md
	$(BIN)/python -m benchmarks

lint: $(STAMP) ## ruff lint and format check, mypy (strict, pandas-stubs) on calcidata/
	$(BIN)/ruff check calcidata tests benchmarks
	$(BIN)/ruff format --check calcidata tests benchmarks
	$(BIN)/mypy

format: $(STAMP) ## apply ruff formatting
	$(BIN)/ruff format calcidata tests benchmarks

clean: ## remove generated reports and caches (keeps .venv)
	rm -rf reports/*/ reports/index.html reports/_index.json .pytest_cache build dist *.egg-info

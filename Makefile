# pinban — two commands do everything on a fresh machine: `make pdf` and `make test`.
PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
EDITION ?= 2025-01-07-fengtai-lianghui
READY   := $(VENV)/.ready
TESTREADY := $(VENV)/.test-ready
BENCHREADY := $(VENV)/.bench-ready

.PHONY: pdf build docx check proof test bench lint clean sysdeps catalogue

pdf: $(READY)            ## spread.pdf, pages.pdf and the preview PNG
	$(BIN)/pinban pdf $(EDITION)

build: $(READY)          ## every output into output/<edition>/
	$(BIN)/pinban build $(EDITION)

docx: $(READY)
	$(BIN)/pinban docx $(EDITION)

check: $(READY)
	$(BIN)/pinban check $(EDITION)

proof: $(READY)
	$(BIN)/pinban proof $(EDITION)

test: $(TESTREADY)
	$(BIN)/python -m pytest

bench: $(BENCHREADY)     ## make bench BENCH_ARGS=--profile (or --quick)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

LOCALE := pipeline/locale
catalogue: $(TESTREADY)  ## the message catalogue: extract the templates (N_), update the .po, compile the .mo
	$(BIN)/pybabel -q extract --no-location --omit-header --sort-output -k N_ -o $(LOCALE)/pinban.pot pipeline
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete -D pinban -i $(LOCALE)/pinban.pot -d $(LOCALE)
	$(BIN)/pybabel -q compile -D pinban -d $(LOCALE)
	rm $(LOCALE)/pinban.pot

lint: $(TESTREADY)
	$(BIN)/ruff check pipeline tests bench tools

$(READY): pyproject.toml tools/sysdeps.sh
	@sh tools/sysdeps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(TESTREADY): $(READY)
	@sh tools/sysdeps.sh --test
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

$(BENCHREADY): $(TESTREADY)
	$(BIN)/python -m pip install -q -e '.[bench]'
	@touch $@

clean:
	rm -rf output/*/ .pytest_cache .hypothesis

# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test browser lint fuzz bench-quality bench-heldout bench-sweep bench-batch bench-speed bench-scale bench-wild bench-pathologies attack clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet ".[test]"

# Clean the seeds into output/ (committed: it must equal what this writes).
run: install
	$(BIN)/clean-docs run seeds/ -o output/

# The whole suite, against the installed package (not the source tree).
# pytest's exit 5 ("no tests ran") is a failure here.
test: install-test
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n 2; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest ran no tests" >&2; exit 1; fi; exit $$rc

# Debian's Chromium for the report pages' browser tests (tests/test_browser.py
# skips, saying why, when it is missing); .ci/run calls this first.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
		|| echo "could not install chromium: the browser tests will skip" >&2; }

# Detection quality per case type, with the line-hash baseline beside it.
bench-quality: install-test
	$(BIN)/python bench/quality.py

# Quality on documents the tuning never saw (fresh generator seeds).
bench-heldout: install-test
	$(BIN)/python bench/quality.py --held-out 1000:1100

# The sweep behind the defaults (about 20 minutes on 2 cores).
bench-sweep: install-test
	$(BIN)/python bench/quality.py --sweep

# Speed side by side (issue 16): check and run against rensa and datatrove
# on one labelled 10 MB JSONL corpus, check on growing sets of real RFCs and
# books, check seeds/ (bench/README.md; about 23 minutes on 2 cores, --dask
# about 7 more).
# SPEED_ARGS passes options, e.g. SPEED_ARGS="--dask --json speed.json".
bench-speed: install-test
	$(BIN)/python -m pip install --quiet ".[test,bench]"
	$(BIN)/python bench/speed.py $(SPEED_ARGS)

# Growth with size (issue 16): check on generated 10, 100 and 1000 MB
# corpora, seconds per MB and peak memory (about 25 minutes on 2 cores,
# generating included; SCALE_ARGS="--sizes 10,100 --work DIR" for less).
bench-scale: install-test
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

bench-batch: install-test
	$(BIN)/python bench/batch.py

# Precision on the real documents of ../shared/wild (read there, never
# copied), scored on a fixed tuned half and a held-out half; several minutes.
bench-wild: install-test
	$(BIN)/python bench/wild.py

# Time and peak memory on texts that repeat throughout (one sentence over
# and over, every sentence twice, a log's lines) at 1, 2, 4 and 8 MB.
bench-pathologies: install-test
	$(BIN)/python bench/pathologies.py

# Hostile layouts against the command line (issue 14): hypothesis draws file
# names, ids, links, output places and options, runs check/run/index list
# and checks the invariants bench/attack.py lists; 300 layouts by default
# (about 15 minutes on 2 cores), a failure shrunk to a minimal layout and a
# script that rebuilds it. `--examples N`, `--hostile-read`: see its --help.
attack: install-test
	$(BIN)/python bench/attack.py

# Fuzz read, clean and dedupe with the "long" hypothesis profile (10,000
# examples per property, no deadline; several minutes). The statistics show
# how many examples each property ran and what they hit.
fuzz: install-test
	sh bench/fuzz.sh

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) build *.egg-info

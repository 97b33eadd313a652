# verigen: `make demo` runs the main job on a fresh machine; `make test` sets up and runs the tests.
# Every target does its own set-up, so each works from a clean clone.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install system sandbox-image model lint test test-fast demo bench bench-precision clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

install: $(STAMP)  ## venv with verigen and its dev and local-model extras (pinned by requirements.lock)

$(STAMP): pyproject.toml requirements.lock
	@echo "==> installing verigen into $(VENV) (the first time compiles llama.cpp: ~15 min)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

system:  ## Debian packages and services the sandbox needs (docker.io, bubblewrap, dockerd)
	bash scripts/setup-system.sh

sandbox-image: install system  ## build (or reuse, by content hash) the offline sandbox image
	$(BIN)/verigen sandbox build --offline

model: install  ## fetch and verify the local demo model (~0.5 GB, cached)
	$(BIN)/verigen model fetch qwen2.5-coder-0.5b

lint: install  ## ruff and mypy --strict
	$(BIN)/ruff check verigen tests bench
	$(BIN)/ruff format --check verigen tests bench
	$(BIN)/mypy

test: install system sandbox-image model lint  ## everything, as CI runs it (a missing sandbox part ends the run; under CI=true any part)
	VERIGEN_REQUIRE_DOCKER=$${VERIGEN_REQUIRE_DOCKER:-1} $(BIN)/pytest $(PYTEST_ARGS)

test-fast: install lint  ## the quick inner loop: no sandbox images, no real model
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

demo: install system sandbox-image model  ## generate verified math and code data with the local model
	@echo "==> math: a local 0.5B model writes and solves problems; an answer is kept when at least 3 of"
	@echo "    its 5 samples agree and a well-posedness judge, a re-derivation and a program run in the"
	@echo "    sandbox confirm it (the default strict policy: expect few rows from this model)"
	$(BIN)/verigen generate --config configs/demo-math.yaml
	@echo "==> code: the same model writes functions and tests; solutions run in the sandbox"
	$(BIN)/verigen generate --config configs/demo-code.yaml
	@echo "==> done. Verified datasets: runs/demo-math/dataset, runs/demo-code/dataset;"
	@echo "    training sets and cards: runs/demo-*/export/*; reports: runs/demo-*/report.md"

bench: install system sandbox-image  ## the speed and accuracy benchmarks, each printing ratios against its anchor
	@for b in bench/[!_]*.py; do [ $$b = bench/precision.py ] && continue; \
	    echo "==> $$b"; $(BIN)/python $$b || exit 1; done

bench-precision: install system sandbox-image model  ## kept-set precision on a small subset with the local model (~30 min on 2 cores)
	$(BIN)/python bench/precision.py --limit 8 --code-limit 4 --out runs/precision

lock:  ## regenerate requirements.lock (hashes) from pyproject.toml
	$(BIN)/pip install -q pip-tools
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --extra dev --extra local --extra ray \
	    --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

clean:  ## remove the venv and caches (not runs/ and not the model cache)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build *.egg-info

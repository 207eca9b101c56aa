# `make demo` and `make test` need only Python >= 3.11 and make: uv is installed if it is missing.
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)

.PHONY: demo test serve lint ci uv

uv:
ifeq ($(UV),)
	$(PYTHON) -m pip install --quiet uv
endif

demo: uv
	uv run mosty demo

serve: uv
	uv run mosty serve

test: uv
	uv run pytest

lint: uv
	uv run ruff check .
	uv run ruff format --check .
	uv run mypy mosty config

ci:
	.ci/run

.PHONY: run test lint format setup bench bench-phi

run:  ## set up, load demo data once, serve with the worker at http://127.0.0.1:8000
	scripts/run.sh

test:  ## install what tests need and run everything: lint, SQLite, PostgreSQL, browser, Bluesky PDS, workers
	scripts/test.sh

setup:
	scripts/setup.sh

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy carecast config

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench:  ## every benchmark in benchmarks/ (installs the benchmark-only packages)
	scripts/bench.sh

bench-phi:  ## textscan against Presidio on the labelled corpus, one core each
	CARECAST_EXTRA_GROUPS="--group bench" scripts/setup.sh
	.venv/bin/python benchmarks/bench_phi.py

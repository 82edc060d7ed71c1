# EXPO TV: one entry point. `make run` serves with demo data; `make test` runs every test.
# uv is bootstrapped with pip when the machine does not have it.

UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
HOST ?= 127.0.0.1
PORT ?= 8000
# Three processes on the 2-core CI machine (each with its own databases and Redis
# prefix): the browser, timer and subprocess tests leave a core idle while they
# wait, and a third worker fills it (about a quarter off the run, measured).
TEST_WORKERS ?= 3

.PHONY: run test ci lint fmt typecheck migrate revision bench bench-deps sync sync-run bootstrap deps graphql-schema

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

# Everything: the app, the test tools (Playwright, moto, schemathesis) and the linters.
# Compiled to bytecode once here: every test process and every server a test starts
# would otherwise compile the packages it imports (seconds of CPU each) when the
# environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE).
sync: bootstrap
	$(UV) sync --locked --compile-bytecode

# Only what running needs (no test or lint tools): about 280 MB instead of about 700 MB.
# --inexact keeps a developer's test tools installed when they are already there.
sync-run: bootstrap
	$(UV) sync --locked --no-default-groups --inexact

## Serve the API, the dashboard and the player with demo data on the embedded defaults.
run: sync-run
	$(UV) run --no-sync expotv serve --demo --host $(HOST) --port $(PORT)

## Every test: unit, integration on SQLite and MariaDB, Redis, S3, browser; coverage gate.
## Bytecode is written (__pycache__) even where the environment says not to: each
## pytest process rewrites and compiles some 500 test and plugin modules otherwise.
test: sync
	bash scripts/test-deps.sh
	PYTHONDONTWRITEBYTECODE= $(UV) run pytest -n $(TEST_WORKERS) --dist loadfile --cov --cov-report=term --cov-fail-under=85 --durations=15 $(PYTEST_ARGS)

lint: sync
	$(UV) run ruff check .
	$(UV) run ruff format --check .

fmt: sync
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

typecheck: sync
	$(UV) run mypy

## Export the GraphQL schema to schema.graphql (a test fails when they disagree).
graphql-schema: sync
	$(UV) run expotv graphql-schema

migrate: sync
	$(UV) run expotv migrate

revision: sync
	$(UV) run alembic -c alembic.ini revision --autogenerate -m "$(m)"

## Benchmarks (bench/, issue #15): writes bench/RESULTS.md. TVS=100000 for the
## 100,000-TV fleet, SWEEP=1 for the scaling sweep, SERVER=... for `expotv serve
## --server`, WORKERS=N, BENCH_ARGS for the rest (`python -m bench --help`).
bench: sync bench-deps
	$(UV) run python -m bench $(if $(TVS),--tvs $(TVS)) $(if $(SWEEP),--sweep) \
		$(if $(WORKERS),--workers $(WORKERS)) $(if $(SERVER),--server $(SERVER)) $(BENCH_ARGS)

# Debian's wrk drives the HTTP load (MariaDB and Redis are the machine's services).
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y wrk || { apt-get update && apt-get install -y wrk; }; \
		else sudo apt-get install -y wrk; fi; }

ci: lint typecheck test

# Tessera: `make run` starts everything, `make test` runs the suite. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install browsers run test bench lock vendor clean-data

$(STAMP): pyproject.toml config/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c config/constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Browsers for the browser tests, from Debian: Chromium (Playwright's own download is not used), and
## WebKitGTK's WebDriver with Xvfb for WebKit, Safari's engine.
CHROMIUM ?= /usr/bin/chromium
browsers:
	@need=""; \
	if [ ! -x "$(CHROMIUM)" ] && [ -z "$$CHROMIUM_PATH" ]; then need=" chromium"; fi; \
	command -v WebKitWebDriver >/dev/null 2>&1 || need="$$need webkit2gtk-driver"; \
	command -v xvfb-run >/dev/null 2>&1 || need="$$need xvfb"; \
	if [ -z "$$need" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  echo "Installing browsers for the browser tests (apt-get install$$need)…"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$need >/dev/null; \
	else echo "Install$$need (Chromium, WebKitGTK's WebDriver, Xvfb) for the browser tests."; exit 1; fi

## Start web, Celery worker and beat with demo organizations (embedded services when no URL is set).
run: install
	$(BIN)/python -m config.dev

## Run the whole test suite against real PostgreSQL and Redis (DATABASE_URL/REDIS_URL, else embedded).
test: install browsers
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Benchmarks: `make bench` runs all, `make bench NAME=provision` one. Results in tests/bench/results/.
bench: install
	$(BIN)/python -m pytest tests/bench/$(if $(NAME),bench_$(NAME).py,) -o python_files="bench_*.py" -s -q --no-header -p no:warnings

## Refresh the pinned versions after changing pyproject.toml.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^tessera' > config/constraints.txt

## Front-end libraries: install the versions in package.json from npm and copy the files listed under
## "vendor" into the apps' static folders (committed, so running Tessera never needs npm or a CDN).
vendor:
	npm ci --no-audit --no-fund
	node -e 'const fs=require("fs"),path=require("path");for(const [from,to] of Object.entries(require("./package.json").vendor)){fs.mkdirSync(path.dirname(to),{recursive:true});fs.copyFileSync(from,to);console.log(to)}'

## Stop the embedded services and delete their data.
clean-data:
	-$(BIN)/python -m config.embedded stop
	rm -rf .data

# The two set-up commands of README.md: `make demo` (the main job) and
# `make test` (every test). Both install what they need first.

CARGO ?= cargo
OUT ?= out

.PHONY: demo test deps web build lint bench fuzz-smoke

## Installs the system packages builds and tests need (Debian/Ubuntu), when missing.
deps:
	@scripts/deps.sh

## The console (web/, TypeScript + Vite): the binary embeds web/dist.
web: deps
	npm --prefix web ci --no-audit --no-fund
	npm --prefix web run build

build: deps web
	$(CARGO) build --release -p taishi

## Main job: the sample traffic of a small water utility analysed with its
## asset registry, intel and rules into a database, then the console on
## http://127.0.0.1:8080 (address and one-time admin password printed).
demo: build
	target/release/taishi demo --dir $(OUT)/demo

## Every test: format, lints, unit, integration and end-to-end tests.
test: deps web
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	npm --prefix web test
	$(CARGO) test --workspace

## Whole-process benchmark (see scripts/bench.sh).
bench: build
	scripts/bench.sh

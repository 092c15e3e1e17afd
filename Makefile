# The two set-up commands of README.md: `make demo` (the main job) and
# `make test` (every test). Both install what they need first.

CARGO ?= cargo
OUT ?= out

.PHONY: demo test deps build lint bench fuzz-smoke

## Installs the system packages builds and tests need (Debian/Ubuntu), when missing.
deps:
	@scripts/deps.sh

build: deps
	$(CARGO) build --release -p taishi

## Main job: generate the sample traffic, analyse it, print the summary, write EVE.
demo: build
	@mkdir -p $(OUT)
	target/release/taishi generate --scenario demo --seed 7 --out $(OUT)/demo.pcap
	target/release/taishi analyze $(OUT)/demo.pcap --rules rules/ --eve $(OUT)/eve.json
	@echo "EVE events by type:"; sed -n 's/.*"event_type":"\([a-z_]*\)".*/\1/p' $(OUT)/eve.json | sort | uniq -c
	@echo "Alerts (rules, intel, behaviour):"; grep '"event_type":"alert"' $(OUT)/eve.json | sed -n 's/.*"signature":"\([^"]*\)".*/\1/p' | sort | uniq -c | sort -rn

## Every test: format, lints, unit, integration and end-to-end tests.
test: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace

## Whole-process benchmark (see scripts/bench.sh).
bench: build
	scripts/bench.sh

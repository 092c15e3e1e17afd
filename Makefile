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

## Main job: generate the sample traffic, analyse it with the sample asset
## registry into the embedded database, print the summary, alerts,
## incidents and posture, and write the situation reports.
demo: build
	@mkdir -p $(OUT)
	@rm -f $(OUT)/demo.db $(OUT)/demo.db-wal $(OUT)/demo.db-shm
	target/release/taishi generate --scenario demo --seed 7 --out $(OUT)/demo.pcap
	target/release/taishi assets import testdata/assets/sample-assets.csv --db $(OUT)/demo.db
	target/release/taishi assets import-vulns testdata/assets/sample-vulns.csv --db $(OUT)/demo.db
	target/release/taishi analyze $(OUT)/demo.pcap --rules rules/ --eve $(OUT)/eve.json --db $(OUT)/demo.db
	@echo "EVE events by type:"; sed -n 's/.*"event_type":"\([a-z_]*\)".*/\1/p' $(OUT)/eve.json | sort | uniq -c
	@echo "Alerts (rules, intel, behaviour):"; grep '"event_type":"alert"' $(OUT)/eve.json | sed -n 's/.*"signature":"\([^"]*\)".*/\1/p' | sort | uniq -c | sort -rn
	@echo "Incidents:"; target/release/taishi incidents list --db $(OUT)/demo.db
	@target/release/taishi posture --db $(OUT)/demo.db
	target/release/taishi report --db $(OUT)/demo.db --since 7d --format html --lang zh -o $(OUT)/report.html
	target/release/taishi report --db $(OUT)/demo.db --since 7d --format html --lang en -o $(OUT)/report-en.html

## Every test: format, lints, unit, integration and end-to-end tests.
test: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace

## Whole-process benchmark (see scripts/bench.sh).
bench: build
	scripts/bench.sh

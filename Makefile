# RecLab. `make demo` runs the main job, `make test` the tests; both install what they need first.
SWIFT ?= swift
RELEASE_BIN := .build/release

.PHONY: all deps build test demo bench gate docs clean

all: build

deps:
	@.ci/ensure-deps.sh

build: deps
	$(SWIFT) build -c release

test: deps
	# The documented examples run against the release binary, as the README says (ExamplesCLITests).
	$(SWIFT) build -c release --product reclab
	# The suite is XCTest only; without Swift Testing's runner its empty "0 tests" summary is not the last word.
	RECLAB_EXAMPLES_BINARY=$(CURDIR)/$(RELEASE_BIN)/reclab $(SWIFT) test --disable-swift-testing

demo: build
	.ci/demo.sh

# The regression gate CI runs after the tests: tiny experiment vs reports/baseline/ci.json.
gate: deps
	.ci/gate.sh

# docs/commands.md from the tool's own --help (CommandDocsTests fails when it is stale).
docs: deps
	$(SWIFT) build --product reclab
	.ci/command-docs.sh $$($(SWIFT) build --show-bin-path)/reclab > docs/commands.md

bench: build
	$(RELEASE_BIN)/reclab-bench all

clean:
	rm -rf .build reports/demo

# Orders service. `make` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# The Go toolchain is go.mod's toolchain line (go1.27.3: go1.26.8's
# standard library has known reachable vulnerabilities). The go command
# fetches it through the module proxy the first time (about 10 s).
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)

GO       ?= go
PORT     ?= 3000
BIN      := bin
# How AWS runs the function: a static linux/arm64 binary named bootstrap on
# provided.al2023; lambda.norpc drops the legacy Go 1.x RPC runtime code.
LAMBDA_ENV   := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
# TAGS=otlp compiles in the OpenTelemetry OTLP exporter (TRACING_EXPORTER=otlp).
TAGS         ?=
comma        := ,
LAMBDA_FLAGS := -tags lambda.norpc$(if $(TAGS),$(comma)$(TAGS)) -trimpath -ldflags "-s -w"
EVENT        ?= events/create_order.json
# make token: the local user, the scopes, or a deployed stack instead.
# (make's own AS names the assembler: only a value the user gave counts.)
AS           := $(if $(filter default,$(origin AS)),alice,$(AS))
SCOPE        ?=
STACK        ?=
MARKDOWNLINT := 0.22.0
# The template's functions (its AWS::Serverless::Function resources), each
# built by build-<Function>, as `sam build` builds it.
FUNCTIONS    := $(shell awk '/^  [A-Za-z0-9]+:$$/ { id = substr($$1, 1, length($$1) - 1) } /^    Type: AWS::Serverless::Function$$/ { print id }' template.yaml)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Download the Go modules and npm packages, and check the local tools the tests need
	$(GO) mod download
	$(GO) mod download -modfile=tools/go.mod
	@./scripts/docs-assets
	@./scripts/check-tools

.PHONY: generate
generate: ## Regenerate src/api from api.yaml
	$(GO) generate ./src/api/...

.PHONY: client-ts
client-ts: ## Regenerate the TypeScript client types (clients/typescript/src/api.d.ts) from api.yaml and type-check them
	cd clients/typescript && npm ci --no-audit --no-fund && npm run generate && npm run typecheck

.PHONY: fmt
fmt: ## Format the Go code (gofumpt, goimports)
	$(GO) tool -modfile=tools/go.mod golangci-lint fmt ./...

.PHONY: lint
lint: ## Lint Go (golangci-lint), Markdown (markdownlint-cli2) and the workflows (actionlint)
	@echo "golangci-lint (the first run builds it: a few minutes)..."
	$(GO) tool -modfile=tools/go.mod golangci-lint run ./...
	npx --yes markdownlint-cli2@$(MARKDOWNLINT) "README.md" "docs/**/*.md" "clients/typescript/README.md"
	$(GO) tool -modfile=tools/actionlint/go.mod actionlint

.PHONY: vuln
vuln: ## govulncheck against a vulnerability database built offline from golang.org/x/vulndb
	./scripts/vuln

.PHONY: build
build: $(addprefix build-,$(FUNCTIONS)) ## Build each function's bootstrap under bin/, as `sam build` does

.PHONY: docs-assets
docs-assets: ## Install the pinned Swagger UI and copy its files where the docs function embeds them
	@./scripts/docs-assets

# `sam build` calls build-<LogicalId> with ARTIFACTS_DIR set (BuildMethod: makefile).
build-DocsFunction: docs-assets
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(or $(ARTIFACTS_DIR),$(BIN)/DocsFunction)/bootstrap ./src/cmd/docs

build-CodeDeployHookFunction:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(or $(ARTIFACTS_DIR),$(BIN)/CodeDeployHookFunction)/bootstrap ./src/cmd/hook

build-%:
	$(LAMBDA_ENV) $(GO) build $(LAMBDA_FLAGS) -o $(or $(ARTIFACTS_DIR),$(BIN)/$*)/bootstrap ./src/cmd/orders

.PHONY: run
run: ## Serve the API on http://127.0.0.1:3000 (PORT overrides) with a local DynamoDB, like `sam local start-api`
	@./scripts/check-tools run
	@./scripts/docs-assets
	@echo "Building the local runner..."
	@$(GO) build -o $(BIN)/local ./src/cmd/local
	@PORT=$(PORT) exec $(BIN)/local

.PHONY: test
test: ## Run every test: unit, integration, e2e, generated-code drift, template checks
	@./scripts/check-tools test
	@./scripts/docs-assets
	$(GO) vet ./...
	$(GO) test -race ./...
	$(GO) test -race -tags otlp ./src/platform/tracing/... # the TAGS=otlp build's exporter
	@$(MAKE) --no-print-directory fuzz FUZZTIME=5s
	@$(MAKE) --no-print-directory validate

.PHONY: test-stress
test-stress: ## make test while busy loops hold every core, as on a busy CI runner: no test may depend on the machine's speed
	@./scripts/stress $(MAKE) --no-print-directory test

.PHONY: unit
unit: ## Run the unit tests (beside the code, under src/)
	@./scripts/docs-assets
	$(GO) test -race ./src/...
	$(GO) test -race -tags otlp ./src/platform/tracing/...

.PHONY: integration
integration: ## Run the data-access tests against moto_server
	$(GO) test -race ./tests/integration/...

# make run PARAMETER_OVERRIDES="CorsAllowOrigin=..." sets the template's
# parameters for the local run, as sam deploy takes them.
export PARAMETER_OVERRIDES

# `make e2e API_URL=https://... API_TOKEN=...` reaches the tests through
# the environment.
export API_URL API_TOKEN API_TOKEN_OTHER API_TOKEN_READ

.PHONY: e2e
e2e: ## Run the end-to-end tests against the local API, or against API_URL when set
	@./scripts/docs-assets
	$(GO) test -count=1 ./tests/e2e/...

.PHONY: smoke
smoke: ## After a deploy: a dozen requests that prove each layer answers as docs/edge.md says (API_URL=https://...; without it, the local API)
	@$(if $(API_URL),,./scripts/docs-assets)
	$(GO) test -count=1 ./tests/smoke/...

.PHONY: invoke
invoke: ## Run one event through its function locally, like sam local invoke (EVENT=events/create_order.json)
	@./scripts/check-tools run
	@./scripts/docs-assets
	@$(GO) build -o $(BIN)/local ./src/cmd/local
	@EVENT=$(EVENT) $(BIN)/local

.PHONY: token
token: ## Print an access token: of the local user AS (alice, bob) for the make run on PORT, or with STACK=orders-dev of that stack's machine client; SCOPE narrows it
ifeq ($(STACK),)
	@$(GO) build -o $(BIN)/local ./src/cmd/local
	@PORT=$(PORT) AS="$(AS)" SCOPE="$(SCOPE)" $(BIN)/local token
else
	@./scripts/token "$(STACK)" MachineClientId "$(SCOPE)"
endif

.PHONY: tables
tables: ## Create template.yaml's tables in the DynamoDB at AWS_ENDPOINT_URL_DYNAMODB (default DynamoDB Local, http://127.0.0.1:8000), for sam local
	@$(GO) build -o $(BIN)/local ./src/cmd/local
	@AWS_ENDPOINT_URL_DYNAMODB=$${AWS_ENDPOINT_URL_DYNAMODB:-http://127.0.0.1:8000} $(BIN)/local tables

.PHONY: pr
pr: ## Everything a pull request needs, fastest failure first (BASE=<ref> for the breaking-change gate)
	@./scripts/check-tools test
	@./scripts/docs-assets
	@test -z "$$($(GO) tool -modfile=tools/go.mod golangci-lint fmt --diff ./... 2>&1)" || { echo "make pr: code is not formatted: run make fmt"; exit 1; }
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory breaking
	$(MAKE) --no-print-directory validate
	$(GO) vet ./...
	$(GO) test -race ./...
	$(MAKE) --no-print-directory vuln
	$(MAKE) --no-print-directory build

# FUZZTIME is how long each fuzz target runs: `make fuzz` is the long run;
# `make test` runs every target for 5s.
FUZZTIME ?= 10m

.PHONY: fuzz
fuzz: ## Fuzz every target under src/ (FUZZTIME each, default 10m), one after another; a failure's input lands in testdata/fuzz
	@for file in $$(find src -name '*_fuzz_test.go' | sort); do \
		pkg=./$$(dirname "$$file"); \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
			echo "fuzz: $$target in $$pkg for $(FUZZTIME)"; \
			$(GO) test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) "$$pkg"; \
		done; \
	done

# How long and how fast `make load` sends (at most 60s; make test runs the
# same test for 5s at 25/s). LOAD_SEED and LOAD_MAX_DROPPED (1%: the share
# of due requests a run may fail to send) pass through too.
LOAD_DURATION ?= 60s
LOAD_RATE     ?= 100

.PHONY: load
load: ## Load-test the local API: mixed operations at LOAD_RATE (100/s) for LOAD_DURATION (60s); summary in tests/output/load.txt
	@./scripts/check-tools run
	@./scripts/docs-assets
	LOAD_DURATION=$(LOAD_DURATION) LOAD_RATE=$(LOAD_RATE) $(GO) test -count=1 -timeout 5m -run '^TestLoad$$' -v ./tests/load/

# make bench RECORD=1 records the run in BENCHMARKS.md; without it, the
# bench writes nothing.
RECORD ?=

.PHONY: bench
bench: ## Measure cold path, overhead, latency, round trips, size and memory against the budgets, with the machine's load; RECORD=1 writes BENCHMARKS.md
	@./scripts/check-tools run
	@./scripts/docs-assets
	$(GO) run ./tests/bench $(if $(RECORD),-out BENCHMARKS.md)

.PHONY: breaking
breaking: ## Fail on changes to api.yaml that break clients (BASE=<ref>; default: merge base with origin/main)
	./scripts/breaking

.PHONY: validate
validate: ## Check template.yaml: cfn-lint, then cfn-lint again after an offline SAM transform that inlines api.yaml
	cfn-lint --include-checks I3011 -- template.yaml # I3011: stateful resources say what a stack delete does to them
	@mkdir -p $(BIN)
	scripts/sam-transform template.yaml $(BIN)/template.transformed.json
	cfn-lint --ignore-checks W7001 -- $(BIN)/template.transformed.json # W7001: the transform resolves the region's lookup, as CloudFormation's does

ENV ?= dev

.PHONY: deploy
deploy: ## Build and deploy the stack of ENV (dev, staging, production) with sam
	@./scripts/check-tools sam
	@./scripts/apigateway-account check
	sam build --config-env $(ENV)
	sam deploy --config-env $(ENV)

.PHONY: account-setup
account-setup: ## Once per AWS account and region: give API Gateway its CloudWatch Logs role
	./scripts/apigateway-account setup

.PHONY: sync
sync: ## Keep the ENV stack (dev by default) in sync with the code as you save (sam sync --watch)
	@./scripts/check-tools sam
	sam sync --watch --config-env $(ENV)

.PHONY: destroy
destroy: ## Delete the ENV stack (production keeps its tables: they are retained)
	@./scripts/check-tools sam
	sam delete --config-env $(ENV)

.PHONY: new-service
new-service: ## Start a new service from this blueprint: NAME=payments MODULE=github.com/acme/payments DEST=../payments
	@test -n "$(NAME)" -a -n "$(MODULE)" -a -n "$(DEST)" || { echo "usage: make new-service NAME=payments MODULE=github.com/acme/payments DEST=../payments"; exit 2; }
	./scripts/new-service "$(NAME)" "$(MODULE)" "$(DEST)"

.PHONY: clean
clean: ## Remove build output
	rm -rf $(BIN) .aws-sam

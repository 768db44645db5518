# Entry points. `make setup` provides every tool (see tools/toolchain.sh);
# the others use what it resolved, read from $(CACHE_DIR)/toolchain.env.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CACHE_DIR ?= $(or $(BTL_CACHE_DIR),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/bedrock-tenant-logging)
# TF_BIN, TF_CLI_CONFIG_FILE (air-gapped mode), TFLINT, TFLINT_PLUGIN_DIR, TERRAFORM_DOCS, CHECKOV,
# IAM_EVALUATOR_MODULES and LAMBDA_RIE (the embedded AWS's evaluator and Lambda emulator)
-include $(CACHE_DIR)/toolchain.env
export TF_BIN TF_CLI_CONFIG_FILE TFLINT TFLINT_PLUGIN_DIR TERRAFORM_DOCS CHECKOV IAM_EVALUATOR_MODULES LAMBDA_RIE
export CHECKPOINT_DISABLE := 1
export TF_IN_AUTOMATION := 1

VENV := .venv
PYTHON := $(VENV)/bin/python
MODULES := $(wildcard modules/*)
EXAMPLES := $(wildcard examples/*)
TERRAFORM_DIRS := $(MODULES) $(EXAMPLES)
# loadgroup: a file (or, for a module's plan tests, a directory; tests/conftest.py) runs on one
# worker, so module-scoped plans, plans shared between files and the e2e apply happen once.
PYTEST_ARGS ?= -n 2 --dist loadgroup --durations=30
MUTANTS_ARGS ?=
LAYER_ZIP := build/layer/dependencies.zip
LAYER_PYTHON ?= 3.12
LAYER_ARCH ?= x86_64

.PHONY: help setup toolchain test test-python test-terraform lint fmt-check validate tflint checkov docs-check ruff mypy \
	fmt docs demo bench mutants layer clean

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: toolchain ## install everything the project needs (cached; a second run builds nothing)

toolchain: ## build or find terraform, providers, tflint, terraform-docs, checkov, the IAM evaluator, the Lambda emulator and .venv
	tools/toolchain.sh all

test: ## run every test (Python, Terraform plans, end to end)
	$(PYTHON) -m pytest $(PYTEST_ARGS)

test-python: ## the runtime package's tests only
	$(PYTHON) -m pytest $(PYTEST_ARGS) tests/python

test-terraform: ## the Terraform plan tests only
	$(PYTHON) -m pytest $(PYTEST_ARGS) -m terraform

lint: fmt-check validate tflint checkov docs-check ruff mypy ## every static gate

fmt-check: ## terraform fmt -check
	$(TF_BIN) fmt -check -recursive -diff modules examples tests/terraform/fixtures

validate: ## terraform validate on every module and example
	@for dir in $(TERRAFORM_DIRS); do \
	  echo "validate $$dir"; \
	  $(TF_BIN) -chdir=$$dir init -backend=false -input=false -no-color >/dev/null; \
	  $(TF_BIN) -chdir=$$dir validate -no-color; \
	done

tflint: ## tflint with the AWS ruleset on every module and example
	@for dir in $(TERRAFORM_DIRS); do \
	  echo "tflint $$dir"; \
	  $(TFLINT) --chdir=$$dir --config=$(CURDIR)/.tflint.hcl --format=compact; \
	done

checkov: ## checkov on modules and examples
	$(CHECKOV) --directory modules --directory examples --framework terraform --skip-download --compact --quiet

docs-check: ## fail when a README's terraform-docs tables are stale
	@for dir in $(TERRAFORM_DIRS); do $(TERRAFORM_DOCS) --config .terraform-docs.yml --output-check $$dir; done

ruff: ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

mypy: ## mypy --strict on the package, tests, benchmarks and tools
	$(VENV)/bin/mypy

fmt: ## format Terraform and Python sources
	$(TF_BIN) fmt -recursive modules examples tests/terraform/fixtures
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

docs: ## regenerate the terraform-docs tables in module and example READMEs
	@for dir in $(TERRAFORM_DIRS); do $(TERRAFORM_DOCS) --config .terraform-docs.yml $$dir; done

demo: layer ## the main job: apply examples/complete against an embedded AWS, invoke each tenant, report
	$(PYTHON) -m tools.demo

mutants: ## seeded defects in the modules and package; each must make a test fail (prints the table)
	$(PYTHON) -m tools.mutants $(MUTANTS_ARGS)

bench: layer ## benchmarks; prints the table and writes docs/benchmarks.md
	$(PYTHON) -m benchmarks

layer: $(LAYER_ZIP) ## build the Lambda dependencies layer zip (deterministic)

$(LAYER_ZIP): python/pyproject.toml requirements-dev.txt tools/build_layer.py
	$(PYTHON) tools/build_layer.py --python $(LAYER_PYTHON) --arch $(LAYER_ARCH) --output $@

clean: ## remove build outputs and Terraform working files (keeps the tool cache)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
	find modules examples -name .terraform -type d -prune -exec rm -rf {} +
	find modules examples -name .terraform.lock.hcl -delete

# SPDX-License-Identifier: BSD-3-Clause
SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
export VENV

# Use the project's shared datasets when they sit beside the checkout.
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/mnist),)
export LAVA_BACKPROP_DATA ?= $(SHARED_DATA)
endif

DEMO_EPOCHS ?= 5
DEMO_LAVA_SAMPLES ?= 2000

INTEROP_VENV ?= .venv-interop

.PHONY: help bootstrap bootstrap-interop demo test test-install test-interop test-slow bench lint clean

help:
	@echo "make demo    set up, then train nBP on MNIST (reference engine) and print test metrics"
	@echo "make test    set up, then run the test suite"
	@echo "make test-install  the Docker image's install step in a fresh venv (CI runs it too)"
	@echo "make test-interop  snnTorch, Norse and lava-dl load our exports ($(INTEROP_VENV); CI runs it too)"
	@echo "make bench   benchmarks (samples/s of the engines)"
	@echo "make lint    ruff"

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	@echo "== nBP on MNIST20 (400-400-10), integer reference engine, $(DEMO_EPOCHS) epochs"
	$(BIN)/lava-backprop train --dataset mnist20 --epochs $(DEMO_EPOCHS) --out runs/demo --overwrite
	@echo "== the spiking circuit in the Lava simulator (fixed point), first $(DEMO_LAVA_SAMPLES) samples"
	$(BIN)/lava-backprop train --engine lava-fixed --dataset mnist20 --epochs 1 --samples $(DEMO_LAVA_SAMPLES) \
		--test-samples 2000 --out runs/demo-lava --overwrite

test: bootstrap
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-install: bootstrap
	$(BIN)/python -m pytest -m install $(PYTEST_ARGS)

# A venv of its own: lava-dl's PyTorch takes about 6 GB; built once, reused.
bootstrap-interop:
	@VENV=$(INTEROP_VENV) EXTRAS=test,interop bash scripts/bootstrap.sh

test-interop: bootstrap-interop
	$(INTEROP_VENV)/bin/python -m pytest -m interop $(PYTEST_ARGS)

test-slow: bootstrap
	$(BIN)/python -m pytest -m slow $(PYTEST_ARGS)

bench: bootstrap
	$(BIN)/python benchmarks/bench_reference.py
	$(BIN)/python benchmarks/bench_lava.py

lint: bootstrap
	$(BIN)/ruff check lava_backprop tests benchmarks
	$(BIN)/ruff format --check lava_backprop tests benchmarks

clean:
	rm -rf $(VENV) $(INTEROP_VENV) runs .pytest_cache

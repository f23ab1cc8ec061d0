# tlsfit: set-up and the two commands of README.md.
#   make main   set up, then generate, build, handshake and measure every
#               shipped profile (results/*.json and a comparison table)
#   make test   set up, then run every test tier
# Every target does its own set-up; a second run skips what is done.

SHELL := /bin/bash
PYTHON ?= /usr/bin/python3
VENV ?= .venv
CACHE ?= $(or $(TLSFIT_CACHE),$(HOME)/.cache/tlsfit)
OUT ?= build/generated
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

DEB_PACKAGES := python3 python3-venv python3-setuptools python3-pip python3-jinja2 \
	python3-kconfiglib python3-pytest python3-pyelftools python3-cryptography python3-jsonschema \
	gcc libc6-dev gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi \
	qemu-system-arm openssl gnutls-bin cmake ninja-build dpkg-dev bzip2 ca-certificates tmux chromium fonts-dejavu-core

TLSFIT := $(VENV)/bin/tlsfit

.PHONY: zephyr-check esp-idf-check generate-all-targets goals setup deps venv mbedtls main generate compile-check measure references minimality check update-baseline test test-unit clean

setup: deps venv mbedtls

# Install only what is missing (dpkg-query), so a second run is quick.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	else echo "Debian packages: all present"; fi

$(VENV)/bin/python:
	$(PYTHON) -m venv --system-site-packages $(VENV)

$(TLSFIT): pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install -q --no-build-isolation --no-deps --no-index -e .
	@touch $(TLSFIT)

venv: $(TLSFIT)

mbedtls:
	TLSFIT_CACHE=$(CACHE) scripts/fetch-mbedtls.sh

generate: setup
	$(TLSFIT) generate --all --zephyr all -o $(OUT)

# Every generated Zephyr fragment (3.7, 4.1, 4.2, 4.3; both modes) through
# zephyr-check against tlsfit's models; ZEPHYR_BASE=DIR checks a real tree.
zephyr-check: generate
	$(if $(ZEPHYR_BASE),$(TLSFIT) zephyr-check $(OUT)/* --zephyr-base $(ZEPHYR_BASE),$(TLSFIT) zephyr-check $(OUT)/* --model all)

esp-idf-check: generate-all-targets
	$(if $(IDF_PATH),$(TLSFIT) esp-idf-check $(OUT)-targets/* --idf-path $(IDF_PATH),$(TLSFIT) esp-idf-check $(OUT)-targets/* --model all)

generate-all-targets: setup
	$(TLSFIT) generate --all --target all -o $(OUT)-targets

compile-check: setup
	$(TLSFIT) compile-check --all

measure: setup
	$(TLSFIT) measure --all

# Mbed TLS's own sample configs on the same harness, with the handshakes of the
# matching generated profile (results/reference-*.json).
MBEDTLS_TREE = $(CACHE)/mbedtls-3.6.6
references: setup
	$(TLSFIT) measure --reference $(MBEDTLS_TREE)/configs/config-ccm-psk-tls1_2.h --like psk-ccm-minimal
	$(TLSFIT) measure --reference $(MBEDTLS_TREE)/configs/config-suite-b.h --like tls12-ecdsa-p256-minimal
	$(TLSFIT) measure --reference $(MBEDTLS_TREE)/include/mbedtls/mbedtls_config.h \
		--like tls13-ecdsa-p256-minimal --as reference-mbedtls-default

# Slow (19 minutes measured on 2 cores): prove every shipped profile 1-minimal.
minimality: setup
	time $(TLSFIT) minimize --all

# Each shipped profile under each optimisation goal (results/goals.json).
goals: setup
	$(TLSFIT) goals --all

# The main job also rewrites README.md's figure tables from the new results,
# so that the figures quoted there stay the measured ones.
main: generate measure references
	$(TLSFIT) compare
	$(TLSFIT) report --readme README.md

# The size gate: measure every shipped profile and compare with the committed
# baseline (fails when a profile grows past the thresholds or a test fails).
check: setup
	$(TLSFIT) check --baseline results/baseline.json --markdown build/size-gate.md \
		--junit build/size-gate.xml --json build/size-gate.json

update-baseline: setup
	$(TLSFIT) check --baseline results/baseline.json --update-baseline

test-unit: deps venv
	$(VENV)/bin/python -m pytest -q tests/unit

test: setup
	$(VENV)/bin/python -m pytest -q --durations=10 tests

clean:
	rm -rf build $(VENV)

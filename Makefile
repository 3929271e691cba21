# Returns Desk: `make demo` runs the whole system on this machine; `make test` runs the full suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
# Debian packages the demo and tests need: "command:package" pairs. tesseract-ocr brings tesseract-ocr-eng,
# the English data the hub's in-process OCR (tesserocr) reads.
SYSTEM_DEPS := mosquitto:mosquitto mosquitto_passwd:mosquitto tesseract:tesseract-ocr chromium:chromium \
               systemd-analyze:systemd openssl:openssl strace:strace

.PHONY: test demo bench system-deps venv clean demo-desk bench-desk bench-claims bench-gate gate-model \
        bench-redact bench-web bench-backup bench-all

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(STAMP)

system-deps:
	@missing=""; \
	for pair in $(SYSTEM_DEPS); do \
	  cmd=$${pair%%:*}; pkg=$${pair##*:}; \
	  if ! command -v $$cmd >/dev/null 2>&1 && [ ! -x /usr/sbin/$$cmd ] && [ ! -x /usr/bin/$$cmd ]; then \
	    case " $$missing " in *" $$pkg "*) ;; *) missing="$$missing $$pkg";; esac; \
	  fi; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "missing Debian packages:$$missing — run: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

test: system-deps $(STAMP)
	$(PY) -m pytest

demo: system-deps $(STAMP)
	$(PY) -m tests.demo

bench: system-deps $(STAMP)
	$(PY) tests/bench/bench_pipeline.py

clean:
	rm -rf $(VENV) demo-data test-artifacts

demo-desk: system-deps $(STAMP)
	$(PY) -m tests.demo_desk

bench-desk: $(STAMP)
	$(PY) tests/bench/bench_desk.py

bench-claims: $(STAMP)
	$(PY) tests/bench/bench_claims.py

bench-gate: $(STAMP)
	$(PY) tests/bench/bench_gate.py

gate-model: $(STAMP)
	$(PY) models/build_gate_model.py

bench-redact: system-deps $(STAMP)
	$(PY) tests/bench/bench_redact.py --photos 100

bench-web: $(STAMP)
	$(PY) tests/bench/bench_web.py

bench-backup: $(STAMP)
	$(PY) tests/bench/bench_backup.py

# every benchmark, one after another (about half an hour on 2 cores)
bench-all: bench bench-gate bench-desk bench-claims bench-web bench-redact bench-backup

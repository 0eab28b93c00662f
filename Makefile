# The README's quick start: `make brochure` and `make test`. Both create .venv/ when needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: brochure test bench fuzz references clean-venv

# The 2011 brochure in every product (screen, print and archive, A5) and the print file
# imposed as saddle-stitch sheets.
brochure: $(STAMP)
	$(BIN)/kennisdag-pdf build data/kennisdag-2011.yaml --profile screen -o output/kennisdag-2011.pdf
	$(BIN)/kennisdag-pdf build data/kennisdag-2011.yaml --profile print -o output/kennisdag-2011-print.pdf
	$(BIN)/kennisdag-pdf impose output/kennisdag-2011-print.pdf -o output/kennisdag-2011-booklet.pdf
	$(BIN)/kennisdag-pdf build data/kennisdag-2011.yaml --profile archive -o output/kennisdag-2011-archive.pdf

# One pytest worker per core (pytest-xdist): the tests share no files or ports, and the suite
# is CPU-bound, so two cores take it from about 135 s to about 75 s. TEST_WORKERS=0 runs it
# in one process.
# The package is compiled first: the suite starts the command line as a real process a few
# hundred times, and where Python may not write bytecode (PYTHONDONTWRITEBYTECODE, as on CI)
# each of those would compile its sources again (0.3 s a build).
TEST_WORKERS ?= auto
test: $(STAMP) poppler-utils ghostscript
	$(BIN)/python -m compileall -q kennisdag_pdf
	KENNISDAG_SAME_EXAMPLES=1 $(BIN)/python -m pytest -n $(TEST_WORKERS)

# The tagging tests read each brochure's structure tree back with poppler's `pdfinfo
# -struct-text` as well as with PDFium: Debian's poppler-utils, installed when it is missing.
.PHONY: poppler-utils
poppler-utils:
	@command -v pdfinfo >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's poppler-utils (pdfinfo) for the tagging tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				poppler-utils; \
		else \
			echo "make test needs pdfinfo: install your system's poppler-utils package"; exit 1; \
		fi; }

# The print rule set's total area coverage is proven against Ghostscript's separations
# (`tiffsep`, tests/test_inks.py): Debian's ghostscript, installed when it is missing.
.PHONY: ghostscript
ghostscript:
	@command -v gs >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian's ghostscript (gs) for the ink coverage tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				ghostscript; \
		else \
			echo "make test needs gs: install your system's ghostscript package"; exit 1; \
		fi; }

# The fuzz stage without its fixed count: fresh random examples for FUZZ_SECONDS per test
# (damaged PDFs to check, impose and extract; damaged event files to validate; scripted SMTP
# replies to mail --send). `make test` runs the same tests with a fixed, derandomised count.
FUZZ_SECONDS ?= 300
fuzz: $(STAMP)
	KENNISDAG_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m pytest -m fuzz -p no:cacheprovider

# Speed and size figures (medians) against the peer engines (issue 7); not part of `make test`,
# which does not need the bench extra either. BENCH_RUNS / BENCH_RUNS_LARGE: runs per row.
# Compiled first: an installed tool has its bytecode (pip compiles it), an editable checkout
# only when Python may write it (not under PYTHONDONTWRITEBYTECODE), and compiling the
# sources again costs every command about 30 ms.
bench: $(BENCH_STAMP)
	$(BIN)/python -m compileall -q kennisdag_pdf
	$(BIN)/python bench/bench.py

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,bench]'
	@touch $@

# Rewrites tests/reference/*.png from the current rendering: only on purpose, then look at them.
references: $(STAMP)
	KENNISDAG_UPDATE_REFERENCES=1 $(BIN)/python -m pytest tests/test_reference_rendering.py

# The environment: pinned versions (constraints.txt) so that reference renderings stay comparable.
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "kennisdag-pdf needs Python 3.11 or newer (found $$($(PYTHON) --version))"; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || $(MAKE) --no-print-directory venv-debian
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

# Debian splits venv/ensurepip into its own package; install it when it is missing.
.PHONY: venv-debian
venv-debian:
	@rm -rf $(VENV)
	@if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "installing Debian's venv support for $(PYTHON)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			python3-venv "python$$($(PYTHON) -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')-venv" \
			|| DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	else \
		echo "cannot create $(VENV): install your system's python3-venv package"; exit 1; \
	fi
	$(PYTHON) -m venv $(VENV)

clean-venv:
	rm -rf $(VENV)

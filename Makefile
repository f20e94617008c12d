# Everything a newcomer needs: `make run` and `make test` set up the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANGS := kk ru uk en
# Generated from kk by bot/core/latin_catalog.py (Kazakh in the Latin alphabet), never edited.
GENERATED_LANGS := kk_Latn

.PHONY: run test bench lint extract update compile sandbox clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Every catalog under locales/, the generated $(GENERATED_LANGS) included.
compile: $(STAMP)
	$(BIN)/pybabel compile --statistics -d locales -D messages

run: compile
	$(BIN)/kopir run --or-sandbox

sandbox: compile
	$(BIN)/kopir sandbox

# mypy runs beside the tests (they leave a core idle while they wait on timers); both must pass.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy & mypy=$$!; \
	$(BIN)/pytest -q -n 3 --dist worksteal; tests=$$?; \
	wait $$mypy; typed=$$?; exit $$(( tests || typed ))

# Every benchmark in full, one after another (the README's figures); `make test` keeps a
# short run of each. A missed goal (exit status 1) does not stop the ones after it. The
# --instances runs use PostgreSQL (KOPIR_BENCH_DATABASE_URL, or the local test server).
bench: $(STAMP)
	$(BIN)/pytest -q -m bench
	-$(BIN)/python bench/scoring.py
	-$(BIN)/python bench/report.py
	-$(BIN)/python bench/db_offload.py
	-$(BIN)/python bench/reminders.py
	-$(BIN)/python bench/reply_wave.py --bare-fast
	-$(BIN)/python bench/reply_wave.py --instances 2 --webhook
	-$(BIN)/python bench/broadcast.py --instances 2
	-$(BIN)/python bench/broadcast.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Translators' loop: extract new strings, merge them into each catalog, compile.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Nn_:1,2 -k ngettext:1,2 -k pgettext:1c,2 \
		--add-comments=Translators: --sort-by-file --no-wrap \
		--project=Kopir --copyright-holder=Kopir -o locales/messages.pot .

update: extract
	for lang in $(LANGS); do \
		test -f locales/$$lang/LC_MESSAGES/messages.po \
		|| $(BIN)/pybabel init -i locales/messages.pot -d locales -D messages -l $$lang; \
	done
	for lang in $(LANGS); do \
		$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages -l $$lang \
			--no-wrap --ignore-obsolete || exit 1; \
	done
	$(BIN)/python -m bot.core.latin_catalog

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache

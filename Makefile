# The two commands: `make run` and `make test`. Everything else supports them.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
export FLASK_APP := partnercrm.app:create_app
# Functions whose string arguments are msgids: gettext's own, the N_ marker, and the service
# errors whose messages views translate when they show them (tests/test_i18n.py reads this line).
BABEL_KEYWORDS := _l lazy_gettext N_ UserError AccountError ActivityError StudentError AgreementError MonitoringError UploadError PeriodError RegistrationError OfferError JobError

.PHONY: run test install translations bytecode messages lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) translations bytecode

# Catalogues are compiled by the build, never committed.
translations: $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy --statistics -d partnercrm/translations

# The app's own bytecode, compiled here: where the app's user may not write the checkout
# (docs/deployment.md) or PYTHONDONTWRITEBYTECODE is set, every command and worker would compile
# every module again (docs/performance.md, "Start-up").
bytecode: $(STAMP)
	$(PY) -m compileall -q partnercrm migrations wsgi.py

run: install
	$(VENV)/bin/partnercrm db upgrade
	$(VENV)/bin/partnercrm seed
	$(VENV)/bin/partnercrm demo
	$(VENV)/bin/partnercrm run --host 127.0.0.1 --port 5000

# In parallel, one process per core (each with its own database); TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= auto
test: install
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy partnercrm

# Re-extract messages after changing strings; then translate the .po file.
messages: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg $(addprefix -k ,$(BABEL_KEYWORDS)) --no-location --sort-output \
		--omit-header --width 100 -o partnercrm/translations/messages.pot .
	$(VENV)/bin/pybabel update -i partnercrm/translations/messages.pot -d partnercrm/translations \
		--no-fuzzy-matching --ignore-obsolete --width 100

clean:
	rm -rf $(VENV) partnercrm/translations/*/LC_MESSAGES/*.mo

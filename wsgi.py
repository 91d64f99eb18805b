"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

import gc

# The worker's start (imports, the app) makes what lives as long as the worker: no garbage to
# collect meanwhile, and frozen afterwards it is left out of every later collection (as
# partnercrm.console does for commands; docs/performance.md «Start-up»).
gc.disable()

from partnercrm.app import create_app  # noqa: E402

app = create_app()
gc.freeze()
gc.enable()

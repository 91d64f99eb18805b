"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

from partnercrm.app import create_app

app = create_app()

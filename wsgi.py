"""Entry point for gunicorn: ``gunicorn wsgi:app``."""

from partnercrm import create_app

app = create_app()

"""Flask-Admin at /admin, for the admin role only."""

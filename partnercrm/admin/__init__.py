"""Flask-Admin at /admin, for the admin role only.

Importing Flask-Admin and building its views takes a tenth of a second that no command and no
other page needs, and Flask takes no new routes once it has served a request. So the app may
leave the admin out and hand /admin to :class:`AdminOnDemand`: Flask's "application dispatching"
by path, to a second instance of the app built with the admin (``views.create_admin``) when the
first request for /admin arrives. Both instances have one configuration, hence one secret key:
the same session, login and CSRF token are good in both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask

PREFIX = "/admin"


class AdminOnDemand:
    """WSGI middleware: /admin and below go to the admin app, everything else to the app."""

    def __init__(self, wsgi_app, build: Callable[[], Flask]) -> None:
        self.wsgi_app = wsgi_app
        self.build = build
        self.admin_app: Flask | None = None
        # The development server answers in threads: the first requests for /admin may be two.
        self._building = threading.Lock()

    @classmethod
    def install(cls, app: Flask, build: Callable[[], Flask]) -> None:
        """Put the dispatcher around the app's middleware, and let the app's pages still link
        to the admin (``url_for("admin.index")``, a rule that only builds)."""
        app.add_url_rule(PREFIX + "/", endpoint="admin.index", build_only=True)
        app.extensions["admin_on_demand"] = dispatcher = cls(app.wsgi_app, build)
        # Flask's documented way to add WSGI middleware; its types make wsgi_app a plain method.
        app.wsgi_app = dispatcher  # type: ignore[method-assign]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.serving_admin()(environ, start_response)
        return self.wsgi_app(environ, start_response)

    def serving_admin(self) -> Flask:
        if self.admin_app is None:
            with self._building:
                if self.admin_app is None:
                    self.admin_app = self.build()
        return self.admin_app

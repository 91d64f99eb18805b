"""Security headers on every response (DESIGN §5), and the client's address behind proxies."""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Iterable

from flask import Flask, g
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

# Scripts only from this site or with the per-response nonce (Flask-Admin's inline scripts).
CSP_TEMPLATE = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


class TrustedProxyFix:
    """Werkzeug's ProxyFix for the requests that come from a trusted proxy only: anyone else's
    X-Forwarded-For and X-Forwarded-Proto are ignored, so the address the app sees (login
    throttling, the audit trail) is the one actually trusted."""

    def __init__(self, app, networks: Iterable[str], hops: int) -> None:
        self.direct = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = [ipaddress.ip_network(network) for network in networks]

    def trusts(self, address: str) -> bool:
        try:
            peer = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(peer in network for network in self.networks)

    def __call__(self, environ, start_response):
        if self.trusts(environ.get("REMOTE_ADDR", "")):
            return self.fixed(environ, start_response)
        return self.direct(environ, start_response)


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # Flask's documented way to add WSGI middleware; its types make wsgi_app a plain method.
        app.wsgi_app = TrustedProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, app.config["TRUSTED_PROXY_IPS"], hops
        )

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP_TEMPLATE.format(nonce=csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if current_user.is_authenticated:
            # A logged-in user's pages may hold personal data: keep them out of caches, and out
            # of the back button of a shared computer after logout.
            headers.setdefault("Cache-Control", "no-store")
        if app.config["PARTNERCRM_ENV"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

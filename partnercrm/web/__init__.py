"""The web layer every blueprint shares: the unit of work, pagination, templating, redirects,
security headers, error pages, language. It imports no domain package."""

"""What every page shares: layout context, language, errors, security headers, dashboard."""

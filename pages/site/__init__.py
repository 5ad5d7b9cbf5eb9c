"""The public site: views, navigation, caching, search, feeds, sitemaps, the static export, and the
serving machinery (fast path, health, outage, security headers).
"""

"""The web service: the JSON API under /api/v1 and the HTML pages."""

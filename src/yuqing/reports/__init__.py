"""Reports and briefings (PRODUCT §7): figures from the store, rendered as JSON, HTML,
DOCX and PDF."""

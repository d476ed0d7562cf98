"""Incident handling (处置): the organization's case for an event, from first report to
the case library (PRODUCT §6, docs/incidents.md)."""

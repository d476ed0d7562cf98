"""Alerts (预警): records, routing, the outbox dispatcher and channels."""

"""Scheduled reports: the plan's `report_schedules` run by the worker, once per period,
and delivered through an outbox of their own (e-mail attachments, robot links)."""

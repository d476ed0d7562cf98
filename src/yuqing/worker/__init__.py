"""Background work: the polling scheduler (later: reminders, escalations, reports)."""

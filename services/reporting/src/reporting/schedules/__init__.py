"""Report schedules: a template report re-run on a cron expression."""

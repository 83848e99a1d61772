"""email: SMTP delivery of notifications by Celery tasks, status per notification."""

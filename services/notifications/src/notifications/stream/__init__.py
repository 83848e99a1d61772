"""stream: server-sent events of new notifications, woken by PostgreSQL LISTEN/NOTIFY."""

"""preferences: per user and notification type, e-mail on or off; progress updates muted."""

"""Web security (headers, CSRF, sign-in throttling, sessions, second factor) and backups."""

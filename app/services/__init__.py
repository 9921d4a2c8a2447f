"""Business rules and every write: the admin and the CLI call these, never the other way round."""

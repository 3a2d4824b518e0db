"""Use cases that combine storage and the handoff builders, free of Telegram types."""

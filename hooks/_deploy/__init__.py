"""Deploy, rollback and their history: providers, the protocol, health, notifications, the store."""

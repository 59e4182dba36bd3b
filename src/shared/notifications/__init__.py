"""Notifications: each user's inbox, projected from the audit trail (a transactional outbox)."""

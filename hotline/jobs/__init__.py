"""Scheduled work (SPEC §5): plain idempotent jobs, their locks and the scheduler process."""

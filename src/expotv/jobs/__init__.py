"""Scheduled-job plumbing shared by every domain: locks, run records, expiry."""

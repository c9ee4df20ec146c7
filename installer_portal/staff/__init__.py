"""The audit log: an append-only record of what staff did, to whom, and why."""

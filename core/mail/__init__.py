"""The mail outbox: every email is a row first, written in the transaction of the change that causes it."""

"""Invitations: a certificate leads to an emailed, single-use link that sets up the installer account."""

"""Commissioning a station on site: the wizard, the per-region electrical rules, and the report."""

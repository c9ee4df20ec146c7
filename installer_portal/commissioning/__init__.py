"""Commissioning: the registry of stations the portal knows, and (next) commissioning them on site."""

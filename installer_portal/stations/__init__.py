"""Stations: the registry of stations the product knows, finding one on site, its QR label, its life."""

"""Installer Portal: from electrician to certified EV-charger installer, and on to commissioning.

The package exports nothing: the app is built by `installer_portal.app.create_app`.
"""

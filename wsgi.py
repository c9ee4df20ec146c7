"""Entry point for gunicorn and the flask command: `gunicorn wsgi:app`, `flask --app wsgi …`."""

from installer_portal.app import create_app

app = create_app()

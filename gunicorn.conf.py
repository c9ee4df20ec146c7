"""gunicorn's settings for Installer Portal: `gunicorn -c gunicorn.conf.py wsgi:app` (gunicorn also reads this file
by itself when started in this folder). Workers, binding and timeouts stay on the command line."""

#: Access-log lines without the one-time tokens that mailed links carry in their path.
logger_class = "installer_portal.web.access_log.AccessLogger"

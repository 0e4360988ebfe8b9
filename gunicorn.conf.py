"""Gunicorn settings for production: ``gunicorn -c gunicorn.conf.py "survey_app:create_app()"``.

Every value can be overridden from the environment (``GUNICORN_WORKERS``, ...), so the same
file serves a 2-core virtual machine and a larger one.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: each request is short and spends its time on the CPU (a form render or one
# insert). One per core keeps the cores busy; one more covers a worker waiting on the database
# or Redis. More only switch between each other (bench/RESULTS.md: 5 workers were no faster).
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound, but rarely: a new
# worker starts with cold caches (compiled queries, blank form pages, the event's copy).
max_requests = 50000
max_requests_jitter = 5000
# Request limits well above the app's own field limits (a long answer gets a message).
limit_request_line = 8190
limit_request_fields = 100
# Load the app before forking: the tagger's dictionaries are shared copy-on-write.
preload_app = True
# No access log unless GUNICORN_ACCESS_LOG names one ("-": standard output), as gunicorn's own
# default: the proxy in front already logs every request, and writing the line costs the
# workers' time under load. Errors are always logged.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a TLS-terminating proxy on the same host; see SURVEY_TRUSTED_PROXIES for ProxyFix.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """Each worker opens its own database connections: a pool is never shared across fork."""
    server.app.wsgi().extensions["survey_db"]["engine"].dispose(close=False)


def when_ready(server):
    """Compile every template once in the master, so no worker pays for it on a request."""
    environment = server.app.wsgi().jinja_env
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)
    # jieba's dictionary (about a second, 65 MB) for the live screens' words, shared by fork.
    from survey_app.admin.live_terms import load_dictionary

    load_dictionary()

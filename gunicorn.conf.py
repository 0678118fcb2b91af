"""gunicorn settings for Koyeb and any container platform: everything tunable from the environment.

Threads, so one slow upstream call does not block every request (docs/gunicorn.md).
"""

import os

from ultraminebackend.memory import freeze_heap, tune_malloc, warm_up

tune_malloc()  # large blocks back to the system when freed, 2 arenas (ultraminebackend/memory.py)

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Eight, not four: a synchronous AI generation holds its thread for the provider's whole answer,
# and with 2 x 4 threads ten generations in flight left none for anyone else (docs/gunicorn.md,
# figures in bench/README.md). Waiting threads cost little memory; each may keep one database
# connection (CONN_MAX_AGE), so up to 16 per instance.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# gthread, whose main thread also answers /healthz while every thread is busy (a saturated
# instance is alive: the platform must not take it out; ultraminebackend/gworker.py).
worker_class = os.environ.get(
    "GUNICORN_WORKER_CLASS", "ultraminebackend.gworker.ProbeAnsweringThreadWorker"
)
# Above the AI provider's timeout, so a slow generation ends in our 504, not a killed worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then to contain memory creep; jitter avoids restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100
accesslog = "-"
# One line per request, with the id our middleware returns, to match the JSON application logs.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"
forwarded_allow_ips = "*"  # TLS ends at the platform's edge, the only thing that can reach us

# The master imports the application and what its workers would load on their first requests,
# then forks them: the code and library pages are shared, not copied per worker
# (bench/worker_memory.py). Nothing in the master opens a connection; a worker opens its own.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def when_ready(server):
    if preload_app:
        warm_up()
        freeze_heap()


def post_fork(server, worker):
    from django.db import connections

    connections.close_all()  # a connection the master opened must not be shared

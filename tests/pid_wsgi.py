"""Quire's WSGI application, each answer naming the process that gave it (`X-Test-Worker-Pid`), so a
test can tell gunicorn's workers apart. Only the tests serve it: `gunicorn tests.pid_wsgi`."""

import os
from functools import cache

PID_HEADER = "X-Test-Worker-Pid"


@cache
def quire():
    """site_project.wsgi's application, loaded in the worker (a test importing PID_HEADER loads nothing)."""
    from site_project.wsgi import application

    return application


def application(environ, start_response):
    def start_naming_this_process(status, headers, exc_info=None):
        return start_response(status, [*headers, (PID_HEADER, str(os.getpid()))], exc_info)

    return quire()(environ, start_naming_this_process)

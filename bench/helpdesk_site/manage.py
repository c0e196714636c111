"""manage.py of the django-helpdesk project that bench/bench_helpdesk.py serves (run with its own virtualenv)."""

import os
import sys

from django.core.management import execute_from_command_line

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
    execute_from_command_line(sys.argv)

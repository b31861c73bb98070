#!/usr/bin/env bash
# `make run`: set everything up, load the demo data once, and serve the app with its worker.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export DJANGO_SETTINGS_MODULE=config.settings
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py demo_data
echo
exec .venv/bin/python manage.py serve --bind "${BIND:-127.0.0.1:8000}"

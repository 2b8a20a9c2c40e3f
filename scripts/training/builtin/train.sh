#!/usr/bin/env bash
# Trains the second-generation teaching model from scratch (npm run train-model) into data/models/teaching-v2: the corpus from pinned packages, the
# tokenizer, the training run (about 1 hour on a 2-core machine), config.json, the model card, and the
# transformers reference fixture. Extra arguments go to train_model.py (e.g. --steps 40 --out /tmp/trial for a trial;
# a trial folder gets only what the trainer writes plus config.json).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
HERE=scripts/training/builtin
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
  .venv/bin/pip install --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple \
    --find-links /opt/wheels -r scripts/requirements-fixtures.txt
fi
OUT=data/models/teaching-v2
for ((i = 1; i <= $#; i++)); do
  if [ "${!i}" = "--out" ]; then j=$((i + 1)); OUT="${!j}"; fi
done
.venv/bin/python $HERE/build_corpus.py
.venv/bin/python $HERE/train_tokenizer.py --out "$OUT"
rm -rf "$OUT/checkpoints"
.venv/bin/python $HERE/train_model.py "$@"
.venv/bin/python $HERE/finalize.py --out "$OUT"
.venv/bin/python $HERE/heldout_sample.py
npx tsx $HERE/modelCard.ts "$OUT"
# Check a run against issue 15's targets with QKV_TEACHING_DIR=$OUT npm run test:teaching; ship it (media/models/teaching,
# fixture, card, lesson diagrams) with scripts/training/builtin/ship.sh $OUT.

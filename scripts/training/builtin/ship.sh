#!/usr/bin/env bash
# Ships a finished training run (default data/models/teaching-v2) as the built-in model: writes its config.json,
# copies the folder to media/models/teaching, regenerates the transformers reference fixture
# (test/fixtures/teaching-reference.json), the model card (media/models/teaching/README.md) and the lesson's
# diagrams (media/walkthrough/*.svg). Then run `npm run test:teaching` (issue 15's targets) and `npm test`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
HERE=scripts/training/builtin
RUN="${1:-data/models/teaching-v2}"
DEST=media/models/teaching
.venv/bin/python $HERE/finalize.py --out "$RUN"
rm -rf "$DEST"
mkdir -p "$DEST/checkpoints"
cp "$RUN"/{config.json,tokenizer.json,tokenizer_config.json,model.safetensors,training-log.json} "$DEST/"
for f in $(node -e "for (const c of require(require('path').resolve(process.argv[1])).qkv_lens.checkpoints) if (c.file !== 'model.safetensors') console.log(c.file)" "$RUN/config.json"); do
  cp "$RUN/$f" "$DEST/$f"
done
.venv/bin/python $HERE/reference_attention.py
npx tsx $HERE/modelCard.ts "$DEST"
npx tsx scripts/lesson/lessonFigures.ts
du -sh "$DEST"

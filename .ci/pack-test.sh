#!/usr/bin/env bash
# The packed package, not the working tree: npm pack, install the tarball into an
# empty directory, then run the installed rnnlm: --help, train on a small corpus, sample, score.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "./$tarball" >/dev/null
npx --no-install rnnlm --help | grep -q 'train'
cp node_modules/rnnlm/corpora/names.txt names.txt
npx --no-install rnnlm train names.txt --hidden 16 --layers 1 --max-steps 30 --samples 0 -q -o m.json
test -s m.json
n=$(npx --no-install rnnlm sample -m m.json -n 4 --seed 1 | wc -l)
test "$n" -eq 4
npx --no-install rnnlm score -m m.json emma -q | grep -qE '^-[0-9.]+'
npx --no-install rnnlm view m.json -o m.html -q
grep -q 'id="rnnlm-model"' m.html
node --input-type=module -e "import { score, loadModel } from 'rnnlm'; const m = await loadModel('m.json'); if (!(score(m, ['anna'])[0].logProb < 0)) process.exit(1);"
node --input-type=module -e "import { basicPlatform, evaluate, parseCheckpointBytes } from 'rnnlm/api'; import { readFileSync } from 'node:fs'; const m = parseCheckpointBytes(readFileSync('m.json')); const e = await evaluate(basicPlatform(), m, 'anna\\nemma\\n'); if (!(e.crossEntropy > 0)) process.exit(1);"
node --input-type=module -e "import { createModel, referenceBackend } from 'rnnlm/core'; const m = createModel({ cell: 'gru', peephole: false, layers: 1, hidden: 4, vocabSize: 5, embedding: 0, dropout: 0 }, referenceBackend); if (m.layout.total <= 0) process.exit(1);"
echo "pack test: the installed tarball runs --help, train, sample, score, view, and imports rnnlm, rnnlm/api and rnnlm/core"

// Bundles the page of `rnnlm view` (src/page/main.ts and the api it imports)
// into one script, dist/page/page.js, which `rnnlm view` writes into each
// page it makes. Run by `npm run build` after tsc (esbuild is a dev
// dependency: the published package holds the bundle, not the bundler).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = await build({
  entryPoints: [join(root, 'src/page/main.ts')],
  bundle: true, platform: 'browser', format: 'iife', target: 'es2022', minify: true,
  write: false, logLevel: 'warning', legalComments: 'none', charset: 'utf8',
});
const code = out.outputFiles[0].text;
// the script goes inside <script>…</script>: nothing in it may end or comment the element
for (const bad of ['</script', '<!--', '<script']) {
  if (code.toLowerCase().includes(bad)) throw new Error(`the page bundle contains ${bad}: it cannot be put in a <script> element`);
}
mkdirSync(join(root, 'dist/page'), { recursive: true });
writeFileSync(join(root, 'dist/page/page.js'), code);
console.log(`dist/page/page.js: ${(code.length / 1024).toFixed(0)} KiB`);

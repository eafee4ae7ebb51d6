/**
 * The dependency direction, enforced: src/core is pure (imports only src/core,
 * no node: modules, no npm packages, no process/console/Date/Math.random);
 * src/checkpoint imports only src/core and zod; nothing outside src/cli
 * imports src/cli.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
  const out: string[] = [];
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

test('src/core imports nothing outside src/core', () => {
  const core = join(src, 'core');
  for (const f of tsFiles(core)) {
    for (const spec of imports(f)) {
      const inside = spec.startsWith('.') && resolve(dirname(f), spec).startsWith(core + sep);
      assert.ok(inside, `${relative(root, f)} imports ${spec}: src/core must stay pure (only ./ imports within src/core)`);
    }
  }
});

test('src/core uses no process, console, Date or Math.random', () => {
  for (const f of tsFiles(join(src, 'core'))) {
    const code = stripComments(readFileSync(f, 'utf8'));
    for (const bad of [/\bprocess\./, /\bconsole\./, /\bDate\b/, /Math\.random/, /\brequire\(/]) {
      assert.ok(!bad.test(code), `${relative(root, f)} uses ${bad.source}: keep I/O, time and randomness out of src/core`);
    }
  }
});

test('src/checkpoint imports only src/core and zod', () => {
  let dir = join(src, 'checkpoint');
  try { statSync(dir); } catch { return; }
  for (const f of tsFiles(dir)) {
    for (const spec of imports(f)) {
      const ok = spec === 'zod' || (spec.startsWith('.') && (resolve(dirname(f), spec).startsWith(join(src, 'core') + sep) || resolve(dirname(f), spec).startsWith(dir + sep)));
      assert.ok(ok, `${relative(root, f)} imports ${spec}: checkpoint/ may use only core/ and zod`);
    }
  }
});

test('nothing outside src/cli imports src/cli', () => {
  const cli = join(src, 'cli');
  for (const f of tsFiles(src)) {
    if (f.startsWith(cli + sep)) continue;
    for (const spec of imports(f)) {
      if (!spec.startsWith('.')) continue;
      assert.ok(!resolve(dirname(f), spec).startsWith(cli + sep), `${relative(root, f)} imports ${spec}: the CLI depends on the core, never the reverse`);
    }
  }
});

/** Every relative import of every file under src/, type-only ones included, resolved to a file. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of tsFiles(src)) {
    const deps = imports(f).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(f), s).replace(/\.js$/, '.ts'));
    graph.set(f, deps);
  }
  return graph;
}

test('no import cycles in src/, type-only imports included', () => {
  const graph = importGraph();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      const cycle = [...stack.slice(stack.indexOf(f)), f].map((p) => relative(src, p));
      assert.fail(`import cycle: ${cycle.join(' → ')}`);
    }
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) visit(d);
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f);
});

test('src/api is platform-neutral: no node: module, and neither src/parallel nor src/node (they come in through the Platform)', () => {
  const api = join(src, 'api');
  for (const f of tsFiles(api)) {
    for (const spec of imports(f)) {
      assert.ok(!spec.startsWith('node:') && !/^(fs|os|path|worker_threads|child_process|crypto)$/.test(spec), `${relative(root, f)} imports ${spec}: the api runs anywhere`);
      if (!spec.startsWith('.')) continue;
      const to = resolve(dirname(f), spec);
      for (const forbidden of ['parallel', 'node', 'cli']) {
        assert.ok(!to.startsWith(join(src, forbidden) + sep), `${relative(root, f)} imports ${spec}: src/api must not import src/${forbidden}`);
      }
    }
    const code = stripComments(readFileSync(f, 'utf8'));
    for (const bad of [/\bprocess\./, /\brequire\(/, /\bBuffer\./, /\bsetImmediate\(/]) {
      assert.ok(!bad.test(code), `${relative(root, f)} uses ${bad.source}: the api gets the platform's pieces through the Platform it is passed`);
    }
  }
});

test('src/cli is a front end: it reaches the work through src/api (and Node\'s pieces through src/node), never src/core, src/parallel or src/checkpoint', () => {
  const cli = join(src, 'cli');
  for (const f of tsFiles(cli)) {
    for (const spec of imports(f)) {
      if (!spec.startsWith('.')) continue;
      const to = resolve(dirname(f), spec);
      for (const inner of ['core', 'parallel', 'checkpoint']) {
        assert.ok(!to.startsWith(join(src, inner) + sep), `${relative(root, f)} imports ${spec}: the command line goes through src/api`);
      }
    }
  }
});

test('src/page (the page of rnnlm view) is a front end too: it reaches the model only through src/api', () => {
  const page = join(src, 'page');
  for (const f of tsFiles(page)) {
    for (const spec of imports(f)) {
      assert.ok(spec.startsWith('.'), `${relative(root, f)} imports ${spec}: the page is bundled from the project's own code only`);
      const to = resolve(dirname(f), spec);
      assert.ok(to.startsWith(page + sep) || to.startsWith(join(src, 'api') + sep), `${relative(root, f)} imports ${spec}: the page goes through src/api`);
    }
  }
});

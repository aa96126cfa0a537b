// The source tree's dependency rules (README, Layout): extension and CLI → observer → wire;
// library → reporter → wire; nothing back. And no import cycle among the library's modules,
// so each can be read, and loaded, on its own.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT } from './helpers.ts';

const SRC = path.join(ROOT, 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.ts$/.test(e.name) ? [p] : [];
  });
}

/** Every module a file imports or re-exports: a package name, or a file under src (with .ts). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)]
    .map((m) => m[1] ?? m[2] ?? m[3]);
  return specs.map((spec) => {
    if (!spec.startsWith('.')) return spec;
    const base = path.resolve(path.dirname(file), spec).replace(/\.(js|ts)$/, '');
    const found = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => fs.existsSync(c));
    assert.ok(found, `${path.relative(ROOT, file)} imports ${spec}, which is not a source file`);
    return found;
  });
}

const files = sources(SRC);
const area = (file: string) => path.relative(SRC, file).split(path.sep)[0];
const ours = (spec: string) => spec.startsWith(SRC);

describe('source layout', () => {
  test('each area imports only what the layering allows', () => {
    // What each folder of src/ may import of the others (besides itself).
    const allowed: Record<string, string[]> = {
      wire: [],
      lib: ['wire'],
      observer: ['wire'],
      cli: ['observer', 'wire'],
      extension: ['observer', 'wire'],
    };
    const broken: string[] = [];
    for (const file of files) {
      const from = area(file);
      assert.ok(from in allowed, `src/${from} is not a known area: add it to this test and to the README's Layout`);
      for (const spec of importsOf(file)) {
        if (spec === 'vscode' && from !== 'extension') broken.push(`${path.relative(ROOT, file)} imports vscode`);
        if (!ours(spec)) continue;
        const to = area(spec);
        if (to !== from && !allowed[from].includes(to)) broken.push(`${path.relative(ROOT, file)} imports ${path.relative(ROOT, spec)}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test('the library uses of the wire only its framing and exit codes, and its report format only in the reporter (elsewhere as types)', () => {
    const shared = new Set(['src/wire/frames.ts', 'src/wire/exit-codes.ts']);
    const broken: string[] = [];
    for (const file of files.filter((f) => area(f) === 'lib')) {
      const rel = path.relative(ROOT, file);
      for (const line of fs.readFileSync(file, 'utf8').split('\n').filter((l) => /from '(\.\.\/)+wire\//.test(l))) {
        const target = path.relative(ROOT, importsOf(file).find((s) => line.includes(path.basename(s, '.ts')) && area(s) === 'wire') ?? '');
        if (shared.has(target) || rel === 'src/lib/reporter.ts' || /^import type /.test(line)) continue;
        broken.push(`${rel}: ${line.trim()}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test('no import cycle among the modules of src/', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f).filter((s) => ours(s))]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, trail: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map((x) => path.relative(SRC, x)).join(' → '));
        return;
      }
      state.set(f, 'visiting');
      for (const next of graph.get(f) ?? []) visit(next, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    assert.deepEqual(cycles, []);
  });
});

// Builds every bundle the product ships (library, its child entry and loader, the CLI, the
// extension) and the library's type declarations. `--no-types` skips tsc for quick rebuilds;
// `--ext-only` builds only the VS Code extension (dist/extension).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const extOnly = process.argv.includes('--ext-only');
const withTypes = !extOnly && !process.argv.includes('--no-types');

if (!extOnly) rmSync(path.join(root, 'dist/lib'), { recursive: true, force: true });
rmSync(path.join(root, 'dist/extension'), { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  keepNames: true,
  // esbuild's own binary cannot be bundled; it is a runtime dependency of the loader.
  external: ['esbuild'],
};

// The library is one CommonJS bundle so that an ESM and a CJS program (and the child entry)
// share one instance of its per-process state. Entries that need that state load it at run
// time through `./index.js` instead of bundling a copy.
const shareLibrary = {
  name: 'share-library',
  setup(b) {
    b.onResolve({ filter: /^\.\/index(\.ts|\.js)?$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'lib', 'index.ts')) ? undefined : { path: './index.js', external: true });
  },
};

// output-prefix is preloaded into the programs the extension runs (see src/extension/output-prefix.ts).
const extension = build({
  ...common, format: 'cjs', outdir: 'dist/extension', external: ['vscode', 'esbuild'],
  entryPoints: { extension: 'src/extension/extension.ts', 'output-prefix': 'src/extension/output-prefix.ts' },
});

await Promise.all(extOnly ? [extension] : [
  build({ ...common, format: 'cjs', entryPoints: { index: 'src/lib/index.ts' }, outdir: 'dist/lib' }),
  build({
    ...common, format: 'cjs', outdir: 'dist/lib', plugins: [shareLibrary],
    entryPoints: { child: 'src/lib/child.ts', register: 'src/lib/loader/register.ts', cli: 'src/lib/cli.ts' },
  }),
  build({ ...common, format: 'esm', entryPoints: { 'loader-hooks': 'src/lib/loader/hooks.ts' }, outdir: 'dist/lib', outExtension: { '.js': '.mjs' } }),
  extension,
]);

if (withTypes) {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.lib.json'], { cwd: root, stdio: 'inherit' });
}

// Another local user must not be able to make our programs run their code. The per-user
// directories have predictable names; one that another user made, or may write, is not used.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ROOT, runProgram } from './helpers.ts';

const PROGRAM = path.join(ROOT, 'test/lib/programs/two-processes.ts');
const root = process.getuid?.() === 0;

describe('security: per-user directories', () => {
  test(`compiled code planted in a cache directory others may write${root ? ', or that another user owns,' : ''} is never run`, async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'multiproc-plant-'));
    try {
      const env = { TMPDIR: tmp, MULTIPROC_USER_TMP: '', MULTIPROC_CACHE_DIR: '' };
      const first = await runProgram(PROGRAM, [], { env });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /main: compiled from its source/);
      assert.match(first.stdout, /child: compiled from its source/);
      const shared = path.join(tmp, `multiproc-${userInfo().uid}`);
      const cache = path.join(shared, 'compiled');
      const planted = readdirSync(cache).filter((f) => f.endsWith('.js'));
      assert.ok(planted.length >= 1, 'the first run filled the cache');
      // What an attacker would write there: the same file names (they are computable from the source).
      for (const f of planted) writeFileSync(path.join(cache, f), "console.log('PLANTED CODE RAN');\n");
      chmodSync(shared, 0o777);
      if (root) chownSync(shared, 65534, 65534);
      const second = await runProgram(PROGRAM, [], { env });
      assert.doesNotMatch(second.stdout, /PLANTED/);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /main: compiled from its source/);
      assert.match(second.stdout, /child: compiled from its source/);
      assert.match(second.stderr, root ? /belongs to uid 65534, not to this user/ : /may be entered by other users \(mode 777\)/);
      // The child used its parent's replacement directory: one warning, not one per process.
      assert.equal(second.stderr.match(/MultiprocWarning/g)?.length, 1, second.stderr);
      const replacement = readdirSync(tmp).filter((f) => f.startsWith(`multiproc-${userInfo().uid}-`));
      assert.equal(replacement.length, 1);
      assert.equal(statSync(path.join(tmp, replacement[0])).mode & 0o777, 0o700);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

// TypeScript's import spellings: a `.js` suffix for a .ts file, and a type-only import.
import { Process, isMainProcess, type ProcessOptions } from 'multiproc';
import { helper } from './helper-module.js';

export function show(): void {
  console.log(helper());
}

if (isMainProcess()) {
  const options: ProcessOptions = { target: show };
  const p = new Process(options);
  p.start();
  await p.join();
}

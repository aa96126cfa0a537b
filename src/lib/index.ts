// multiproc: Python's multiprocessing for Node. See README.md for the model and its rules.
export { Process, currentProcess, activeChildren } from './process';
export type { ProcessOptions, Target } from './process';
export { parentProcess, ParentProcess } from './parent';
export { isMainProcess, cpuCount } from './context';
export { AssertionError, AuthenticationError, BufferTooShort, ProcessError, TimeoutError, ValueError } from './errors';
export { SerializationError } from './reduction';

/** @internal The child entry's hook; not part of the API. */
export { bootstrapChild as _bootstrapChild } from './bootstrap';

// multiproc: Python's multiprocessing for Node. See README.md for the model and its rules.
export { Process, currentProcess, activeChildren } from './process/process';
export type { ProcessOptions, Target } from './process/process';
export { parentProcess, ParentProcess } from './process/parent';
export { isMainProcess, cpuCount } from './process/context';
export { Queue, SimpleQueue, JoinableQueue } from './queue/queues';
export type { GetOptions, PutOptions } from './queue/queues';
export { Pipe, Connection } from './connection';
export { Barrier, BoundedSemaphore, BrokenBarrierError, Condition, Event, Lock, RLock, Semaphore } from './sync/synchronize';
export type { AcquireOptions, Held } from './sync/synchronize';
export { Value, SharedArray, SharedArray as Array, RawValue, RawArray } from './sharedctypes';
export type { SharedOptions } from './sharedctypes';
export {
  AssertionError, AuthenticationError, BufferTooShort, EOFError, Empty, Full, OSError, ProcessError, TimeoutError, ValueError,
} from './base/errors';
export { MAX_MESSAGE_BYTES, MessageTooLarge } from './channel/framing';
export { SerializationError } from './values/reduction';

export { Pool, AsyncResult, IMapIterator, WorkerLostError } from './pool/pool';
export type { Callbacks, PoolOptions } from './pool/pool';

export {
  Manager, SyncManager, BaseProxy, DictProxy, ListProxy, NamespaceProxy, QueueProxy, AcquirerProxy, EventProxy, ValueProxy,
} from './managers/proxies';
export type { ManagerOptions } from './managers/proxies';
export { ManagerServer, serveManager } from './managers/server';
export type { Address, ServeOptions } from './managers/server';
/** @internal The target of a manager's server process. */
export { managerServer as _managerServer } from './managers/server';

/** @internal The target of Pool workers, found by its export name as every target is. */
export { poolWorker as _poolWorker } from './pool/worker';
/** @internal The child entry's hook; not part of the API. */
export { bootstrapChild as _bootstrapChild } from './process/bootstrap';

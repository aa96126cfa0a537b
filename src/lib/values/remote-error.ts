// Errors that cross a process boundary (a task's error, a failed call on a remote lock or a
// manager's object): sent as name, message and, where it helps, the stack; rebuilt on the other
// side as the same class when it is one of ours or a standard one, with the remote stack as `cause`.
import * as errors from '../base/errors';
import { MessageTooLarge } from '../channel/framing';
import { SerializationError } from './reduction';

export interface RemoteError { name: string; message: string; stack?: string }

export function describeError(error: unknown): RemoteError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

const known: Record<string, new (m: string) => Error> = {
  ...(errors as unknown as Record<string, new (m: string) => Error>), MessageTooLarge, SerializationError, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

export function reviveError(remote: RemoteError): Error {
  const error = new (known[remote.name] ?? Error)(remote.message);
  if (error.name !== remote.name) Object.defineProperty(error, 'name', { value: remote.name, configurable: true, writable: true });
  if (remote.stack) {
    const cause = new Error(remote.message);
    cause.name = remote.name;
    cause.stack = remote.stack;
    (error as Error & { cause: unknown }).cause = cause;
  }
  return error;
}

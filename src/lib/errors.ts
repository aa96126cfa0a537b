// Error classes named as Python's multiprocessing names them, so that code ported from Python
// can catch the same things. Each sets `name` so that stacks and `String(err)` show the class.

export class ProcessError extends Error {
  override name = 'ProcessError';
}

/** Python raises AssertionError for misuse of a Process (start twice, join before start…). */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

/** Python's ValueError: an operation on a closed object, or a bad argument value. */
export class ValueError extends Error {
  override name = 'ValueError';
}

export class TimeoutError extends ProcessError {
  override name = 'TimeoutError';
}

export class AuthenticationError extends ProcessError {
  override name = 'AuthenticationError';
}

export class BufferTooShort extends ProcessError {
  override name = 'BufferTooShort';
}

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

/** Python's queue.Full: a non-blocking or timed-out put on a full queue. */
export class Full extends Error {
  override name = 'Full';
}

/** Python's queue.Empty: a non-blocking or timed-out get on an empty queue. */
export class Empty extends Error {
  override name = 'Empty';
}

/** Python's EOFError: recv() on a connection whose other end is closed with nothing left to read. */
export class EOFError extends Error {
  override name = 'EOFError';
}

/** Python's OSError: the system refused something (no room in /dev/shm); `code` is the errno's name. */
export class OSError extends Error {
  override name = 'OSError';

  constructor(message: string, readonly code: string) {
    super(message);
  }
}

// Timeouts are in seconds, as in Python; null or undefined means no limit.
import { ValueError } from './errors';
import { hold, release } from './keepalive';

/** Seconds → milliseconds. A negative timeout waits not at all, unless `strict` (Queue's rule) makes it a ValueError. */
export function toMs(timeout: number | null | undefined, strict = false): number | undefined {
  if (timeout === null || timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw new TypeError(`timeout must be a number of seconds, not ${typeof timeout}`);
  if (strict && timeout < 0) throw new ValueError("'timeout' must be a non-negative number");
  return Math.max(0, timeout * 1000);
}

/**
 * Waits until one of `wakers` is called or `ms` pass, keeping the process alive meanwhile, as a
 * blocked call would. The caller checks afterwards which of the two happened.
 */
export async function sleepUntilWoken(wakers: Array<() => void>, ms: number | undefined): Promise<void> {
  hold();
  try {
    await new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(resolve, ms);
      wakers.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    release();
  }
}

// Timeouts are in seconds, as in Python; null or undefined means no limit.
import { ValueError } from './errors';

/**
 * Seconds → milliseconds, for a Timer (waiters.ts): Infinity stays Infinity, which never fires.
 * A negative timeout waits not at all, unless `strict` (Queue's rule) makes it a ValueError.
 */
export function toMs(timeout: number | null | undefined, strict = false): number | undefined {
  if (timeout === null || timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw new TypeError(`timeout must be a number of seconds, not ${typeof timeout}`);
  if (strict && timeout < 0) throw new ValueError("'timeout' must be a non-negative number");
  return Math.max(0, timeout * 1000);
}

// The manager's handshake, as Python's deliver_challenge and answer_challenge: each side sends
// a random nonce and checks the other's HMAC of it under the authkey, so both prove they know
// the key without sending it. Until both have, the peer is a stranger: its messages are read
// straight from the socket, no longer than a handshake message can be (as Python refuses an
// answer over 256 bytes), and a peer that takes too long is dropped. What it sends after the
// handshake stays in the socket for the link that reads the calls.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { AuthenticationError } from '../base/errors';
import { frameHead } from '../../wire/frames';

/** The first byte of each handshake message; the bytes after it are a nonce or a digest. */
const enum Handshake {
  /** A nonce for the other side to sign. */
  Challenge = 1,
  /** The nonce's digest under the authkey. */
  Answer,
  /** The digest was right. */
  Welcome,
  /** The digest was wrong; the link is closed. */
  Failure,
}

const NONCE_BYTES = 32;
/** The longest handshake message: a code and a nonce or a SHA-256 digest. */
const MAX_HANDSHAKE_BYTES = 1 + NONCE_BYTES;

/** How long a peer has to complete the handshake, in seconds, unless told otherwise. */
export const HANDSHAKE_TIMEOUT = 10;

function digest(authkey: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', authkey).update(message).digest();
}

function send(socket: Socket, body: Buffer): void {
  socket.write(Buffer.concat([frameHead(body.length), body]));
}

/**
 * The next handshake message, read no further than its end. A paused socket reads from the OS
 * only up to its high-water mark, so a peer that sends more holds no more of our memory.
 */
function receive(socket: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let length: number | undefined;
    const finish = (error: Error | null, body?: Buffer) => {
      socket.off('readable', attempt);
      socket.off('close', closed);
      if (error) reject(error);
      else resolve(body!);
    };
    const closed = () => finish(new AuthenticationError('connection closed during authentication'));
    function attempt(): void {
      if (length === undefined) {
        const head = socket.read(4) as Buffer | null;
        if (!head) return;
        // At the end of the stream read() returns what is left, however short.
        if (head.length < 4) return closed();
        length = head.readUInt32BE(0);
        if (length > MAX_HANDSHAKE_BYTES) {
          finish(new AuthenticationError(`protocol error: a handshake message of ${length} bytes (at most ${MAX_HANDSHAKE_BYTES})`));
          return;
        }
      }
      const body = length === 0 ? Buffer.alloc(0) : (socket.read(length) as Buffer | null);
      if (!body) return;
      if (body.length < length) closed();
      else finish(null, body);
    }
    socket.on('readable', attempt);
    socket.on('close', closed);
    attempt();
  });
}

async function deliverChallenge(socket: Socket, authkey: Buffer): Promise<void> {
  const nonce = randomBytes(NONCE_BYTES);
  send(socket, Buffer.concat([Buffer.from([Handshake.Challenge]), nonce]));
  const answer = await receive(socket);
  const expected = digest(authkey, nonce);
  const given = answer.subarray(1);
  if (answer[0] !== Handshake.Answer || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    send(socket, Buffer.from([Handshake.Failure]));
    throw new AuthenticationError('digest received was wrong');
  }
  send(socket, Buffer.from([Handshake.Welcome]));
}

async function answerChallenge(socket: Socket, authkey: Buffer): Promise<void> {
  const challenge = await receive(socket);
  if (challenge[0] !== Handshake.Challenge) throw new AuthenticationError('protocol error: expected a challenge');
  send(socket, Buffer.concat([Buffer.from([Handshake.Answer]), digest(authkey, challenge.subarray(1))]));
  const verdict = await receive(socket);
  if (verdict[0] !== Handshake.Welcome) throw new AuthenticationError('digest sent was rejected');
}

/**
 * Both sides prove they know `authkey`, the server challenging first (as Python's). Rejects with
 * an AuthenticationError, and destroys the socket, on a wrong key, a message too long for the
 * handshake or `timeout` seconds without completing it. The socket is then left paused, its
 * next bytes unread.
 */
export async function authenticate(socket: Socket, authkey: Buffer, side: 'server' | 'client', timeout = HANDSHAKE_TIMEOUT): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AuthenticationError(`the handshake did not complete within ${timeout} s`)), timeout * 1000);
    // What keeps a process alive is its server or the call that connects, not this deadline.
    timer.unref();
  });
  const steps = side === 'server'
    ? deliverChallenge(socket, authkey).then(() => answerChallenge(socket, authkey))
    : answerChallenge(socket, authkey).then(() => deliverChallenge(socket, authkey));
  try {
    await Promise.race([steps, expired]);
  } catch (error) {
    // The verdict of a wrong digest goes out before the end.
    socket.destroySoon();
    throw error;
  } finally {
    clearTimeout(timer);
    steps.catch(() => {});
  }
}

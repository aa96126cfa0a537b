// The per-process server: every object this process owns that others use (a queue, a lock…) is
// reached through one Unix socket, the first frame of a connection naming the object.
import { createServer, type Server } from 'node:net';
import { newAddress } from './addresses';
import { Link } from './link';

export type Accept = (link: Link) => void;

let server: Server | undefined;
let address: string | undefined;
const objects = new Map<string, Accept>();

/**
 * Makes an object of this process reachable by `id` from others; returns the address to give
 * them. The first frame a client sends names the object it wants.
 */
export function serve(id: string, accept: Accept): string {
  objects.set(id, accept);
  if (!server) {
    address = newAddress('server.sock');
    server = createLinkServer((link) => {
      // Another process using an object of ours does not keep this process alive, as in Python:
      // a call here that waits for others holds it open (keepalive.ts), and the end of the main
      // code ends daemon children even while they are still connected.
      link.unref();
      link.handle((first) => {
        const handler = objects.get(first.toString('utf8'));
        if (!handler) {
          link.close();
          return;
        }
        handler(link);
      });
    });
    server.listen(address);
    server.unref();
  }
  return address!;
}

export function unserve(id: string): void {
  objects.delete(id);
}

/** A server whose connections come as links (reading without the stream layer, see Link.adopt). */
export function createLinkServer(onLink: (link: Link) => void): Server {
  return createServer({ pauseOnConnect: true }, (socket) => onLink(Link.adopt(socket)));
}

/** Connects to the object `id` served at `address`. Frames may be sent at once. */
export function reach(addr: string, id: string): Link {
  const link = Link.connect(addr);
  link.send(Buffer.from(id, 'utf8'));
  return link;
}

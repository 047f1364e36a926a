/**
 * Free loopback ports for processes under test. The kernel picks an unused port (bind to 0); we
 * remember what we handed out so one test process never gives the same port twice, even after
 * the probe socket is closed and before the daemon has bound it.
 */
import { createServer } from 'node:net';

const handedOut = new Set<number>();

/**
 * The ports of the project's Procfile (etcd's: clients 12379/22379/32379, peers 12380/22380/32380).
 * The Procfile story test must use exactly these, and 32379/32380 lie in Linux's ephemeral range,
 * so no test ever takes them as "free" ports.
 */
export const PROCFILE_PORTS: readonly number[] = [12379, 12380, 22379, 22380, 32379, 32380];

function probePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
        else resolve(address.port);
      });
    });
  });
}

/** One free 127.0.0.1 port, never returned before by this process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await probePort();
    if (!handedOut.has(port) && !PROCFILE_PORTS.includes(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('could not find a free loopback port in 100 attempts');
}

/** `count` distinct free 127.0.0.1 ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await freePort());
  return ports;
}

/** Whether nothing listens on 127.0.0.1:`port` right now (a listen there succeeds). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

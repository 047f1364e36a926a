/**
 * The client URL's listener: a TCP server of our own whose connections are handed to the gRPC
 * server through grpc-js's connection injector, after passing through the `:authority` rewriter
 * (see http2_authority.ts for why). Owning the accept loop is also where plain HTTP/1.1 requests
 * on the client port (etcd's /health, /version, /metrics) would be told apart from gRPC: see
 * `serveConnection`.
 */
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../base/logger.js';
import { AuthorityRewriter } from './http2_authority.js';

export interface ClientListener {
  /** host:port actually listened on (the port chosen by the system when the URL asked for 0). */
  readonly address: string;
  readonly port: number;
  /**
   * Stops accepting, lets the gRPC server finish its calls (up to `graceMs`, then cancels them),
   * and destroys every connection still open. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** How long close() lets in-flight calls finish before cancelling them. */
const DEFAULT_GRACE_MS = 2000;

/** "http://host:port" → the host and port to listen on. Only plain http: TLS is not there yet. */
function listenAddressOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  if (u.protocol !== 'http:') throw new Error(`unsupported scheme in ${url} (TLS is not available yet)`);
  // URL keeps IPv6 literals in brackets, which net.Server.listen does not take.
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { host, port: u.port === '' ? 2379 : Number(u.port) };
}

/**
 * Listens on the client URL `url` and serves `grpcServer` there. A host name is listened on at
 * every address it resolves to, as grpc-js's own bind does; it is enough that one of them works
 * (the others are logged). Rejects with the system's reason (e.g. `listen EADDRINUSE: address
 * already in use 127.0.0.1:2379`) when none does. The listener owns `grpcServer`'s shutdown.
 */
export async function listenForClients(url: string, grpcServer: grpc.Server, logger: Logger): Promise<ClientListener> {
  const { host, port } = listenAddressOf(url);
  const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
  const sockets = new Set<net.Socket>();
  const accept = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serveConnection(socket, injector, logger);
  };
  const addresses = net.isIP(host) ? [host] : [...new Set((await lookup(host, { all: true })).map((a) => a.address))];
  const servers: net.Server[] = [];
  let firstError: Error | undefined;
  for (const address of addresses) {
    // Port 0 asks the system for one; the other addresses then take the same.
    const portToUse = servers.length > 0 ? (servers[0]?.address() as net.AddressInfo).port : port;
    try {
      servers.push(await listenOn(address, portToUse, accept));
    } catch (err) {
      firstError ??= err as Error;
      logger.warn({ url, address, error: (err as Error).message }, 'cannot listen for clients on one address of the client URL');
    }
  }
  if (servers.length === 0) {
    grpcServer.forceShutdown();
    throw firstError ?? new Error(`${host} resolves to no address`);
  }
  for (const server of servers) server.on('error', (err) => logger.warn({ url, error: err.message }, 'client listener error'));
  const bound = servers[0]?.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    address: `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    port: bound.port,
    close(graceMs = DEFAULT_GRACE_MS): Promise<void> {
      closing ??= (async () => {
        const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
        await shutdownGrpc(grpcServer, graceMs);
        // Connections that never became a session (or outlived it) would keep the servers open.
        for (const socket of sockets) socket.destroy();
        await Promise.all(closed);
      })();
      return closing;
    },
  };
}

function listenOn(host: string, port: number, accept: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer(accept);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * One accepted client connection. Everything goes to the gRPC server as HTTP/2 (a connection
 * that is not HTTP/2 is answered there as before, with a GOAWAY).
 *
 * Seam for etcd's HTTP/1.1 endpoints on the client port (/health, /version, /metrics): read the
 * first bytes here. An HTTP/2 client starts with the preface `PRI * HTTP/2.0`
 * (HTTP2_CLIENT_PREFACE), an HTTP/1.1 request with a method such as `GET `; both speak first, so
 * waiting for those bytes delays neither. `socket.unshift()` them, then hand HTTP/1.1 connections
 * to a node:http server with `httpServer.emit('connection', socket)`, and the rest on as below.
 */
function serveConnection(socket: net.Socket, injector: grpc.ConnectionInjector, logger: Logger): void {
  // node:http2 turns Nagle's algorithm off on the sockets it owns; this one it only sees wrapped.
  socket.setNoDelay(true);
  injector.injectConnection(new AuthorityRewritingConnection(socket, logger));
}

/**
 * A client socket as the HTTP/2 server sees it: what the client sends goes through an
 * AuthorityRewriter; what the server sends goes to the socket unchanged.
 */
class AuthorityRewritingConnection extends Duplex {
  private readonly rewriter = new AuthorityRewriter();
  private loggedRewrite = false;

  constructor(
    private readonly socket: net.Socket,
    private readonly logger: Logger,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => {
      const out = this.rewriter.push(chunk);
      this.noteRewrites();
      if (out.length > 0 && !this.push(out)) socket.pause();
    });
    socket.on('end', () => {
      const rest = this.rewriter.end();
      if (rest.length > 0) this.push(rest);
      this.push(null);
    });
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  // What node:http2 and grpc-js may ask of a socket.
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.socket.write(chunk)) done();
    else this.socket.once('drain', () => done());
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.socket.cork();
    let flushed = true;
    for (const { chunk } of chunks) flushed = this.socket.write(chunk);
    this.socket.uncork();
    if (flushed) done();
    else this.socket.once('drain', () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.socket.end();
    done();
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.socket.destroy();
    done(error);
  }

  private noteRewrites(): void {
    if (this.loggedRewrite || this.rewriter.rewrittenFields === 0) return;
    this.loggedRewrite = true;
    this.logger.debug(
      { remote: `${this.socket.remoteAddress}:${this.socket.remotePort}` },
      "rewrote '/' in the :authority of a client's requests (a URL, as etcdctl --cluster sends), which node:http2 would reset",
    );
  }
}

function shutdownGrpc(grpcServer: grpc.Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      grpcServer.forceShutdown();
      resolve();
    }, graceMs);
    grpcServer.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

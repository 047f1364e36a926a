/**
 * The client listener in-process, in front of a small gRPC server that echoes the authority it
 * was called with: grpc-js clients are served as before; requests whose :authority is a URL (as
 * etcdctl --cluster sends) now succeed, where grpc-js's own listener resets them; the server's
 * answer to a client that does not speak HTTP/2 is the same byte for byte; a busy port is
 * refused; close() ends open connections and frees the port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { listenForClients, type ClientListener } from '../../src/api/client_listener.js';
import { loadEtcdProtos } from '../../src/etcdpb/load.js';
import { nullLogger } from '../../src/base/logger.js';
import type { RangeResponse__Output } from '../../src/gen/etcdserverpb/RangeResponse.js';
import type { KVClient } from '../../src/gen/etcdserverpb/KV.js';

const pb = loadEtcdProtos().etcdserverpb;

/** A KV service whose Range answers one key: the authority of the request. */
function echoAuthorityServer(): grpc.Server {
  const server = new grpc.Server();
  server.addService(pb.KV.service, {
    Range: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, { header: { revision: 1 }, kvs: [{ key: Buffer.from(call.getHost()) }], count: 1 });
    },
  });
  return server;
}

async function withListener(body: (listener: ClientListener) => Promise<void>): Promise<void> {
  const listener = await listenForClients('http://127.0.0.1:0', echoAuthorityServer(), nullLogger);
  try {
    await body(listener);
  } finally {
    await listener.close();
  }
}

function bindWithGrpcJs(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

function grpcJsRange(port: number): Promise<RangeResponse__Output> {
  const client = new pb.KV(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as KVClient;
  return new Promise<RangeResponse__Output>((resolve, reject) => {
    client.Range({ key: Buffer.from('k') }, { deadline: Date.now() + 5000 }, (err, res) => (err || !res ? reject(err) : resolve(res)));
  }).finally(() => client.close());
}

interface RawOutcome {
  status?: number;
  grpcStatus?: string;
  body: Buffer;
  resetCode?: number;
}

/** gRPC Range calls made by hand over one node:http2 session, each with `:authority` as given. */
async function rawRanges(port: number, authority: string, count: number): Promise<RawOutcome[]> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => {});
  try {
    const outcomes: RawOutcome[] = [];
    for (let i = 0; i < count; i++) {
      outcomes.push(
        await new Promise<RawOutcome>((resolve) => {
          const req = session.request({
            ':method': 'POST',
            ':path': '/etcdserverpb.KV/Range',
            ':authority': authority,
            'content-type': 'application/grpc',
            te: 'trailers',
          });
          const outcome: RawOutcome = { body: Buffer.alloc(0) };
          req.on('response', (headers) => (outcome.status = Number(headers[':status'])));
          req.on('trailers', (trailers) => (outcome.grpcStatus = String(trailers['grpc-status'])));
          req.on('data', (chunk: Buffer) => (outcome.body = Buffer.concat([outcome.body, chunk])));
          req.on('error', () => {});
          req.on('close', () => {
            if (req.rstCode !== http2.constants.NGHTTP2_NO_ERROR) outcome.resetCode = req.rstCode;
            resolve(outcome);
          });
          req.end(Buffer.from([0, 0, 0, 0, 0])); // an empty RangeRequest message
        }),
      );
    }
    return outcomes;
  } finally {
    session.destroy();
  }
}

function rangeKeyOf(outcome: RawOutcome): string {
  // The gRPC message: 1-byte compressed flag, 4-byte length, then the protobuf bytes.
  const res = pb.KV.service.Range.responseDeserialize(outcome.body.subarray(5)) as RangeResponse__Output;
  return Buffer.from(res.kvs[0]?.key ?? '').toString();
}

test('grpc-js clients are served through the listener as before', async () => {
  await withListener(async (listener) => {
    const res = await grpcJsRange(listener.port);
    assert.equal(Buffer.from(res.kvs[0]?.key ?? '').toString(), `127.0.0.1:${listener.port}`);
    assert.equal(listener.address, `127.0.0.1:${listener.port}`);
  });
});

test('a host name is listened on at the addresses it resolves to', async () => {
  const listener = await listenForClients('http://localhost:0', echoAuthorityServer(), nullLogger);
  try {
    const res = await grpcJsRange(listener.port);
    assert.equal(res.count, '1');
  } finally {
    await listener.close();
  }
});

test('requests whose :authority is a URL succeed, the first and later ones on the same connection', async () => {
  await withListener(async (listener) => {
    const url = `http://127.0.0.1:${listener.port}`;
    const outcomes = await rawRanges(listener.port, url, 3);
    for (const [i, outcome] of outcomes.entries()) {
      assert.equal(outcome.resetCode, undefined, `request ${i} was reset`);
      assert.equal(outcome.status, 200);
      assert.equal(outcome.grpcStatus, '0');
      assert.equal(rangeKeyOf(outcome), `http:--127.0.0.1:${listener.port}`, 'the server sees the authority with - for /');
    }
    const plain = await rawRanges(listener.port, `127.0.0.1:${listener.port}`, 1);
    assert.equal(rangeKeyOf(plain[0] as RawOutcome), `127.0.0.1:${listener.port}`);
  });
});

test("grpc-js's own listener resets the same requests (why the listener exists; if this fails, Node changed)", async () => {
  const server = echoAuthorityServer();
  const port = await bindWithGrpcJs(server);
  try {
    const [outcome] = await rawRanges(port, `http://127.0.0.1:${port}`, 1);
    assert.equal(outcome?.resetCode, http2.constants.NGHTTP2_PROTOCOL_ERROR);
  } finally {
    server.forceShutdown();
  }
});

/** Everything a server sends to a client that speaks HTTP/1.1 until it closes the connection. */
function answerToHttp1(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.setTimeout(5000, () => socket.destroy(new Error('the server did not close the connection')));
  });
}

test('a client that does not speak HTTP/2 gets the same answer as from grpc-js alone', async () => {
  const server = echoAuthorityServer();
  const port = await bindWithGrpcJs(server);
  let direct: Buffer;
  try {
    direct = await answerToHttp1(port);
  } finally {
    server.forceShutdown();
  }
  await withListener(async (listener) => {
    const viaListener = await answerToHttp1(listener.port);
    assert.ok(direct.length > 0);
    assert.deepEqual(viaListener, direct);
  });
});

test('connections that break off inside a frame or are reset leave the server serving', async () => {
  await withListener(async (listener) => {
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
    const halfHeaders = Buffer.from([0, 0, 40, 1, 5, 0, 0, 0, 1, 0x41, 0x8a]); // a HEADERS frame cut short
    for (const ending of ['end', 'reset'] as const) {
      const socket = net.connect(listener.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.resume();
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.write(Buffer.concat([preface, halfHeaders]));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      if (ending === 'end') socket.end();
      else socket.resetAndDestroy();
      await closed;
    }
    const res = await grpcJsRange(listener.port);
    assert.equal(res.count, '1');
  });
});

test('a busy port is refused with the system reason', async () => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as net.AddressInfo).port;
  try {
    await assert.rejects(listenForClients(`http://127.0.0.1:${port}`, echoAuthorityServer(), nullLogger), (err: Error) => {
      assert.match(err.message, new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
      return true;
    });
  } finally {
    blocker.close();
  }
});

test('close() ends open connections, also of clients that stopped reading, and frees the port', async () => {
  const listener = await listenForClients('http://127.0.0.1:0', echoAuthorityServer(), nullLogger);
  const connect = (): { socket: net.Socket; closed: Promise<void> } => {
    const socket = net.connect(listener.port, '127.0.0.1');
    socket.on('error', () => {});
    return { socket, closed: new Promise<void>((resolve) => socket.on('close', () => resolve())) };
  };
  // A connection that never sends anything, one that does not even read (the server's GOAWAY
  // stays unread, so its session never closes by itself), and a served grpc-js session.
  const idle = connect();
  idle.socket.resume();
  const deaf = connect();
  const client = new pb.KV(`127.0.0.1:${listener.port}`, grpc.credentials.createInsecure()) as KVClient;
  await new Promise<void>((resolve, reject) => client.Range({}, (err) => (err ? reject(err) : resolve())));
  await listener.close(300);
  await idle.closed;
  deaf.socket.resume();
  await deaf.closed;
  client.close();
  // The port can be listened on again at once.
  const again = await listenForClients(`http://127.0.0.1:${listener.port}`, echoAuthorityServer(), nullLogger);
  await again.close();
  assert.equal(again.port, listener.port);
});

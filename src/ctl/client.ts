/**
 * The etcd client of tetcdctl, shaped after what clientv3 3.4 (etcdctl's client) does visibly:
 * calls wait for a connection until the command deadline (gRPC wait-for-ready), read-only calls
 * are retried on Unavailable with a 25 ms backoff (at most 100 attempts), every failed attempt
 * logs clientv3's zap warning on stderr, and errors become the text etcdctl prints after "Error:".
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import { etcdErrorMessage, type EtcdErrorCode } from '../base/errors.js';
import { goJsonString } from './gocompat/json.js';
import { zapTimestamp } from './gocompat/time.js';
import type { Output } from './io.js';
import { etcdMethod, type UnaryMethod } from './methods.js';
import { messageSchema, withoutDefaults } from './proto_schema.js';

// grpc-js takes longer to load than most commands take to run, so it loads with the first client:
// help, version and argument errors never pay for it.
const requireModule = createRequire(import.meta.url);
let grpcModule: typeof Grpc | undefined;
function grpc(): typeof Grpc {
  return (grpcModule ??= requireModule('@grpc/grpc-js') as typeof Grpc);
}

/** The gRPC status codes clientv3's behaviour depends on. */
const Status = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/**
 * The request as Go would marshal it: zero fields left out. This matters beyond size: protobufjs
 * writes a field that is present even when empty, and etcd (Go) reads a present empty
 * `range_end` as "every key from `key` on", not as a single key.
 */
function goMarshal<Req>(method: UnaryMethod<Req, unknown>, request: Req): Buffer {
  const plain = withoutDefaults(messageSchema(method.requestType), request as Record<string, unknown>);
  return method.requestSerialize(plain as Req);
}

/** clientv3 retries read-only ("repeatable") RPCs; writes are never retried once sent. */
export type RetryPolicy = 'repeatable' | 'nonRepeatable';

const GO_CODE_NAMES = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
];

/** The server errors clientv3 3.4 knows by message (rpctypes): printed bare, without "rpc error:". */
const KNOWN_TO_CLIENTV3: Record<EtcdErrorCode, boolean> = {
  EmptyKey: true,
  KeyNotFound: true,
  ValueProvided: true,
  LeaseProvided: true,
  TooManyOps: true,
  DuplicateKey: true,
  Compacted: true,
  FutureRev: true,
  NoSpace: true,
  LeaseNotFound: true,
  LeaseExist: true,
  LeaseTTLTooLarge: true,
  WatchCanceled: true,
  MemberExist: true,
  PeerURLExist: true,
  MemberNotEnoughStarted: true,
  MemberBadURLs: true,
  MemberNotFound: true,
  MemberNotLearner: true,
  LearnerNotReady: true,
  TooManyLearners: true,
  RequestTooLarge: true,
  TooManyRequests: true,
  RootUserNotExist: true,
  RootRoleNotExist: true,
  UserAlreadyExist: true,
  UserEmpty: true,
  UserNotFound: true,
  RoleAlreadyExist: true,
  RoleNotFound: true,
  RoleEmpty: true,
  AuthFailed: true,
  PermissionDenied: true,
  RoleNotGranted: true,
  PermissionNotGranted: true,
  AuthNotEnabled: true,
  InvalidAuthToken: true,
  InvalidAuthMgmt: true,
  AuthOldRevision: true,
  NoLeader: true,
  NotLeader: true,
  LeaderChanged: true,
  NotCapable: true,
  Stopped: true,
  Timeout: true,
  TimeoutDueToLeaderFail: true,
  TimeoutDueToConnectionLost: true,
  TimeoutWaitAppliedIndex: true,
  Unhealthy: true,
  Corrupt: true,
  NotSupportedForLearner: true,
  BadLeaderTransferee: true,
  // Added to etcd after 3.4: a 3.4 client shows it as a plain gRPC error.
  ClusterIdMismatch: false,
};

const KNOWN_MESSAGES = new Set(
  (Object.keys(KNOWN_TO_CLIENTV3) as EtcdErrorCode[]).filter((c) => KNOWN_TO_CLIENTV3[c]).map(etcdErrorMessage),
);

/** clientv3 caps what it sends at 2 MiB (its default MaxCallSendMsgSize). */
const MAX_SEND_BYTES = 2 * 1024 * 1024;
const MAX_UNARY_ATTEMPTS = 100;
const RETRY_BACKOFF_MS = 25;
const RETRY_JITTER = 0.1;
/** grpc-go raises client keepalive times below 10 s to 10 s. */
const MIN_KEEPALIVE_MS = 10_000;

/** A failed RPC: the gRPC status, and whether the caller's deadline had passed. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    readonly details: string,
    readonly deadlinePassed: boolean,
  ) {
    super(`rpc error: code = ${GO_CODE_NAMES[code] ?? `Code(${code})`} desc = ${details}`);
  }

  /** What etcdctl prints after "Error: " (clientv3's toErr). */
  get etcdctlText(): string {
    if (this.deadlinePassed && (this.code === Status.DEADLINE_EXCEEDED || this.code === Status.CANCELLED)) {
      return 'context deadline exceeded';
    }
    return KNOWN_MESSAGES.has(this.details) ? this.details : this.message;
  }
}

/** Strips the scheme: "http://127.0.0.1:2379" -> "127.0.0.1:2379". */
export function hostPort(endpoint: string): string {
  return endpoint.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
}

export interface ClientConfig {
  endpoints: readonly string[];
  keepAliveTimeMs: number;
  keepAliveTimeoutMs: number;
  /**
   * 'balanced': clientv3's client over all endpoints (target endpoint://client-<uuid>/<first>);
   * 'direct': a dial of one endpoint, as clientv3's Status/HashKV(endpoint) do.
   */
  mode: 'balanced' | 'direct';
  auth?: { user: string; password: string };
  /** Where clientv3's warnings go (stderr). */
  log: Output;
  now(): Date;
}

export interface CallOptions {
  /** Epoch ms; undefined means no deadline (etcdctl's txn has none). */
  deadline?: number;
  retry: RetryPolicy;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class CtlClient {
  private readonly channels: Grpc.Client[];
  private readonly target: string;
  private next = 0;
  private token: string | undefined;

  constructor(private readonly config: ClientConfig) {
    const keepAliveMs = Math.max(config.keepAliveTimeMs, MIN_KEEPALIVE_MS);
    const options: Grpc.ClientOptions = {
      'grpc.keepalive_time_ms': keepAliveMs,
      'grpc.keepalive_timeout_ms': config.keepAliveTimeoutMs,
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
    };
    const { Client, credentials } = grpc();
    this.channels = config.endpoints.map((ep) => new Client(hostPort(ep), credentials.createInsecure(), options));
    const first = hostPort(config.endpoints[0] ?? '');
    this.target = config.mode === 'balanced' ? `endpoint://client-${randomUUID()}/${first}` : `passthrough:///${first}`;
  }

  close(): void {
    for (const c of this.channels) c.close();
  }

  /** The first endpoint to become ready (clientv3 round-robins over ready connections). */
  private async pick(deadline: number | undefined): Promise<number> {
    if (this.channels.length === 1) return 0;
    const isReady = (i: number): boolean =>
      this.channels[i]!.getChannel().getConnectivityState(true) === grpc().connectivityState.READY;
    for (;;) {
      for (let k = 0; k < this.channels.length; k++) {
        const i = (this.next + k) % this.channels.length;
        if (isReady(i)) return i;
      }
      if (deadline !== undefined && Date.now() >= deadline) return this.next % this.channels.length;
      await sleep(10);
    }
  }

  private send<Req, Res>(index: number, method: UnaryMethod<Req, Res>, bytes: Buffer, deadline: number | undefined): Promise<Res> {
    const client = this.channels[index]!;
    const metadata = new (grpc().Metadata)({ waitForReady: true });
    metadata.set('client-api-version', '3.4');
    if (this.token !== undefined) metadata.set('token', this.token);
    const callOptions: Grpc.CallOptions = deadline === undefined ? {} : { deadline };
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        (b: Buffer) => b,
        (b: Buffer) => method.responseDeserialize(b),
        bytes,
        metadata,
        callOptions,
        (err, response) => {
          if (!err) return resolve(response as Res);
          // Only the caller's deadline makes a call expire (clientv3 sets no per-attempt timeout).
          const passed = deadline !== undefined && (err.code === Status.DEADLINE_EXCEEDED || Date.now() >= deadline);
          let details = err.details;
          if (err.code === Status.DEADLINE_EXCEEDED) details = this.deadlineDetails(index);
          reject(new RpcError(err.code, details, passed));
        },
      );
    });
  }

  /** What grpc-go reports for an expired call: the connection's failure when it never connected. */
  private deadlineDetails(index: number): string {
    const state = this.channels[index]!.getChannel().getConnectivityState(false);
    if (state === grpc().connectivityState.READY) return 'context deadline exceeded';
    if (this.config.mode === 'balanced') return 'latest balancer error: all SubConns are in TransientFailure';
    const ep = hostPort(this.config.endpoints[index] ?? '');
    return `latest balancer error: connection error: desc = "transport: Error while dialing dial tcp ${ep}: connect: connection refused"`;
  }

  private warn(attempt: number, error: RpcError): void {
    const fields = [
      `"level":"warn"`,
      `"ts":${goJsonString(zapTimestamp(this.config.now()), false)}`,
      `"caller":"clientv3/retry_interceptor.go:62"`,
      `"msg":"retrying of unary invoker failed"`,
      `"target":${goJsonString(this.target, false)}`,
      `"attempt":${attempt}`,
      `"error":${goJsonString(error.message, false)}`,
    ];
    this.config.log.write(`{${fields.join(',')}}\n`);
  }

  /**
   * Waits until every endpoint's first connection attempt has an outcome (ready or failed), or
   * the deadline. clientv3 dials while the client is made, so etcdctl's timings leave it out.
   */
  async connect(deadline: number): Promise<void> {
    const { READY, TRANSIENT_FAILURE } = grpc().connectivityState;
    const settled = (c: Grpc.Client): boolean => {
      const state = c.getChannel().getConnectivityState(true);
      return state === READY || state === TRANSIENT_FAILURE;
    };
    while (!this.channels.every(settled) && Date.now() < deadline) await sleep(2);
  }

  /** Compiles the codecs of `method` (protobufjs generates them on first use) ahead of a timed call. */
  warm<Req, Res>(method: UnaryMethod<Req, Res>, request: Req): void {
    goMarshal(method, request);
    method.responseDeserialize(Buffer.alloc(0));
  }

  /** Logs in with --user/--password (clientv3 does this before the first call). */
  async authenticate(deadline: number | undefined): Promise<void> {
    const auth = this.config.auth;
    if (!auth || this.token !== undefined) return;
    const method = etcdMethod('Auth', 'Authenticate');
    const response = await this.call(method, { name: auth.user, password: auth.password }, { deadline, retry: 'repeatable' });
    this.token = response.token;
  }

  /** One unary RPC with clientv3's retry behaviour; rejects with RpcError. */
  async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, options: CallOptions): Promise<Res> {
    const bytes = goMarshal(method, request);
    if (bytes.length > MAX_SEND_BYTES) {
      const error = new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `trying to send message larger than max (${bytes.length} vs. ${MAX_SEND_BYTES})`,
        false,
      );
      this.warn(0, error);
      throw error;
    }
    const deadline = options.deadline;
    let lastError: RpcError | undefined;
    const quorum = Math.floor(this.channels.length / 2) + 1;
    for (let attempt = 0; attempt < MAX_UNARY_ATTEMPTS; attempt++) {
      if (attempt > 0 && attempt % quorum === 0) {
        const wait = RETRY_BACKOFF_MS * (1 + RETRY_JITTER * (Math.random() * 2 - 1));
        if (deadline !== undefined && Date.now() + wait >= deadline) {
          await sleep(Math.max(0, deadline - Date.now()));
          throw new RpcError(Status.DEADLINE_EXCEEDED, 'context deadline exceeded', true);
        }
        await sleep(wait);
      }
      const index = await this.pick(deadline);
      try {
        return await this.send(index, method, bytes, deadline);
      } catch (err) {
        if (!(err instanceof RpcError)) throw err;
        lastError = err;
        this.warn(attempt, err);
        this.next = index + 1;
        const contextError = err.code === Status.DEADLINE_EXCEEDED || err.code === Status.CANCELLED;
        if (contextError) {
          if (err.deadlinePassed) throw err;
          continue;
        }
        if (options.retry === 'nonRepeatable' || err.code !== Status.UNAVAILABLE) throw err;
      }
    }
    throw lastError!;
  }
}

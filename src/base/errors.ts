/**
 * Expected failures with stable codes. Modules throw (or return) EtcdError; api/ maps the code to
 * etcd's exact gRPC status and message. The message of each code is etcd's, byte for byte,
 * because clients (clientv3, etcd3) match on it.
 */

/** gRPC status codes, by number, so that base/ does not import @grpc/grpc-js. */
export const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCode = (typeof GrpcCode)[keyof typeof GrpcCode];

const table = {
  EmptyKey: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: key is not provided'],
  KeyNotFound: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: key not found'],
  ValueProvided: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: value is provided'],
  LeaseProvided: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: lease is provided'],
  TooManyOps: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'],
  DuplicateKey: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
  Compacted: [GrpcCode.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'],
  FutureRev: [GrpcCode.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'],
  NoSpace: [GrpcCode.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded'],
  LeaseNotFound: [GrpcCode.NOT_FOUND, 'etcdserver: requested lease not found'],
  LeaseExist: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: lease already exists'],
  LeaseTTLTooLarge: [GrpcCode.OUT_OF_RANGE, 'etcdserver: too large lease TTL'],
  WatchCanceled: [GrpcCode.CANCELLED, 'etcdserver: watch canceled'],
  MemberExist: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: member ID already exist'],
  PeerURLExist: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: Peer URLs already exists'],
  MemberNotEnoughStarted: [
    GrpcCode.FAILED_PRECONDITION,
    'etcdserver: re-configuration failed due to not enough started members',
  ],
  MemberBadURLs: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: given member URLs are invalid'],
  MemberNotFound: [GrpcCode.NOT_FOUND, 'etcdserver: member not found'],
  MemberNotLearner: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: can only promote a learner member'],
  LearnerNotReady: [
    GrpcCode.FAILED_PRECONDITION,
    'etcdserver: can only promote a learner member which is in sync with leader',
  ],
  TooManyLearners: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: too many learner members in cluster'],
  RequestTooLarge: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: request is too large'],
  TooManyRequests: [GrpcCode.RESOURCE_EXHAUSTED, 'etcdserver: too many requests'],
  RootUserNotExist: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: root user does not exist'],
  RootRoleNotExist: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: root user does not have root role'],
  UserAlreadyExist: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: user name already exists'],
  UserEmpty: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: user name is empty'],
  UserNotFound: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: user name not found'],
  RoleAlreadyExist: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: role name already exists'],
  RoleNotFound: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: role name not found'],
  RoleEmpty: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: role name is empty'],
  AuthFailed: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: authentication failed, invalid user ID or password'],
  PermissionDenied: [GrpcCode.PERMISSION_DENIED, 'etcdserver: permission denied'],
  RoleNotGranted: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: role is not granted to the user'],
  PermissionNotGranted: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: permission is not granted to the role'],
  AuthNotEnabled: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: authentication is not enabled'],
  InvalidAuthToken: [GrpcCode.UNAUTHENTICATED, 'etcdserver: invalid auth token'],
  InvalidAuthMgmt: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: invalid auth management'],
  AuthOldRevision: [GrpcCode.INVALID_ARGUMENT, 'etcdserver: revision of auth store is old'],
  NoLeader: [GrpcCode.UNAVAILABLE, 'etcdserver: no leader'],
  NotLeader: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: not leader'],
  LeaderChanged: [GrpcCode.UNAVAILABLE, 'etcdserver: leader changed'],
  NotCapable: [GrpcCode.UNAVAILABLE, 'etcdserver: not capable'],
  Stopped: [GrpcCode.UNAVAILABLE, 'etcdserver: server stopped'],
  Timeout: [GrpcCode.UNAVAILABLE, 'etcdserver: request timed out'],
  TimeoutDueToLeaderFail: [
    GrpcCode.UNAVAILABLE,
    'etcdserver: request timed out, possibly due to previous leader failure',
  ],
  TimeoutDueToConnectionLost: [
    GrpcCode.UNAVAILABLE,
    'etcdserver: request timed out, possibly due to connection lost',
  ],
  TimeoutWaitAppliedIndex: [
    GrpcCode.UNAVAILABLE,
    'etcdserver: request timed out, waiting for the applied index took too long',
  ],
  Unhealthy: [GrpcCode.UNAVAILABLE, 'etcdserver: unhealthy cluster'],
  Corrupt: [GrpcCode.DATA_LOSS, 'etcdserver: corrupt cluster'],
  NotSupportedForLearner: [GrpcCode.UNAVAILABLE, 'etcdserver: rpc not supported for learner'],
  BadLeaderTransferee: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: bad leader transferee'],
  ClusterIdMismatch: [GrpcCode.FAILED_PRECONDITION, 'etcdserver: cluster ID mismatch'],
} as const satisfies Record<string, readonly [GrpcCode, string]>;

export type EtcdErrorCode = keyof typeof table;

export class EtcdError extends Error {
  override name = 'EtcdError';
  readonly grpcCode: GrpcCode;
  constructor(readonly code: EtcdErrorCode) {
    super(table[code][1]);
    this.grpcCode = table[code][0];
  }
}

export function etcdError(code: EtcdErrorCode): EtcdError {
  return new EtcdError(code);
}

export function isEtcdError(err: unknown, code?: EtcdErrorCode): err is EtcdError {
  return err instanceof EtcdError && (code === undefined || err.code === code);
}

export function etcdErrorMessage(code: EtcdErrorCode): string {
  return table[code][1];
}

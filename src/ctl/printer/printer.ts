/**
 * The `-w/--write-out` formats. One interface, one implementation per format; a format that has
 * no rendering for a response fails the way etcdctl does ("<format> not supported as output
 * format", exit 4) after the request was made, as etcdctl's does.
 */
import type { AlarmResponse__Output } from '../../gen/etcdserverpb/AlarmResponse.js';
import type { DeleteRangeResponse__Output } from '../../gen/etcdserverpb/DeleteRangeResponse.js';
import type { HashKVResponse__Output } from '../../gen/etcdserverpb/HashKVResponse.js';
import type { MemberAddResponse__Output } from '../../gen/etcdserverpb/MemberAddResponse.js';
import type { MemberListResponse__Output } from '../../gen/etcdserverpb/MemberListResponse.js';
import type { MemberPromoteResponse__Output } from '../../gen/etcdserverpb/MemberPromoteResponse.js';
import type { MemberRemoveResponse__Output } from '../../gen/etcdserverpb/MemberRemoveResponse.js';
import type { MemberUpdateResponse__Output } from '../../gen/etcdserverpb/MemberUpdateResponse.js';
import type { MoveLeaderResponse__Output } from '../../gen/etcdserverpb/MoveLeaderResponse.js';
import type { PutResponse__Output } from '../../gen/etcdserverpb/PutResponse.js';
import type { RangeResponse__Output } from '../../gen/etcdserverpb/RangeResponse.js';
import type { StatusResponse__Output } from '../../gen/etcdserverpb/StatusResponse.js';
import type { TxnResponse__Output } from '../../gen/etcdserverpb/TxnResponse.js';
import { ExitCode, exitWithError, type CtlIO } from '../io.js';
import { hexU64 } from '../gocompat/strconv.js';
import { humanizeBytes } from '../gocompat/humanize.js';

/** One `endpoint health` result (etcdctl's epHealth). */
export interface EndpointHealth {
  endpoint: string;
  health: boolean;
  /** Go's Duration.String() of the probe. */
  took: string;
  error: string;
}

export interface EndpointStatus {
  endpoint: string;
  status: StatusResponse__Output;
}

export interface EndpointHashKV {
  endpoint: string;
  hashKV: HashKVResponse__Output;
}

export interface Printer {
  readonly format: OutputFormat;
  put(r: PutResponse__Output): void;
  get(r: RangeResponse__Output): void;
  del(r: DeleteRangeResponse__Output): void;
  txn(r: TxnResponse__Output): void;
  memberAdd(r: MemberAddResponse__Output): void;
  memberRemove(id: bigint, r: MemberRemoveResponse__Output): void;
  memberUpdate(id: bigint, r: MemberUpdateResponse__Output): void;
  memberPromote(id: bigint, r: MemberPromoteResponse__Output): void;
  memberList(r: MemberListResponse__Output): void;
  endpointHealth(list: readonly EndpointHealth[]): void;
  endpointStatus(list: readonly EndpointStatus[]): void;
  endpointHashKV(list: readonly EndpointHashKV[]): void;
  moveLeader(leader: bigint, target: bigint, r: MoveLeaderResponse__Output): void;
  alarm(r: AlarmResponse__Output): void;
}

export type OutputFormat = 'simple' | 'fields' | 'json' | 'protobuf' | 'table';

/** A printer for which every response is unsupported; formats override what they render. */
export class UnsupportedPrinter implements Printer {
  constructor(
    readonly format: OutputFormat,
    protected readonly io: CtlIO,
  ) {}

  protected unsupported(): never {
    return exitWithError(this.io, ExitCode.BadFeature, `${this.format} not supported as output format`);
  }

  put(_r: PutResponse__Output): void {
    this.unsupported();
  }
  get(_r: RangeResponse__Output): void {
    this.unsupported();
  }
  del(_r: DeleteRangeResponse__Output): void {
    this.unsupported();
  }
  txn(_r: TxnResponse__Output): void {
    this.unsupported();
  }
  memberAdd(_r: MemberAddResponse__Output): void {
    this.unsupported();
  }
  memberRemove(_id: bigint, _r: MemberRemoveResponse__Output): void {
    this.unsupported();
  }
  memberUpdate(_id: bigint, _r: MemberUpdateResponse__Output): void {
    this.unsupported();
  }
  memberPromote(_id: bigint, _r: MemberPromoteResponse__Output): void {
    this.unsupported();
  }
  memberList(_r: MemberListResponse__Output): void {
    this.unsupported();
  }
  endpointHealth(_list: readonly EndpointHealth[]): void {
    this.unsupported();
  }
  endpointStatus(_list: readonly EndpointStatus[]): void {
    this.unsupported();
  }
  endpointHashKV(_list: readonly EndpointHashKV[]): void {
    this.unsupported();
  }
  moveLeader(_leader: bigint, _target: bigint, _r: MoveLeaderResponse__Output): void {
    this.unsupported();
  }
  alarm(_r: AlarmResponse__Output): void {
    this.unsupported();
  }
}

/** The rows behind `member list` in the simple and table formats. */
export function memberListTable(r: MemberListResponse__Output): { header: string[]; rows: string[][] } {
  return {
    header: ['ID', 'Status', 'Name', 'Peer Addrs', 'Client Addrs', 'Is Learner'],
    rows: r.members.map((m) => [
      hexU64(BigInt(m.ID)),
      m.name.length === 0 ? 'unstarted' : 'started',
      m.name,
      m.peerURLs.join(','),
      m.clientURLs.join(','),
      String(m.isLearner),
    ]),
  };
}

export function endpointHealthTable(list: readonly EndpointHealth[]): { header: string[]; rows: string[][] } {
  return {
    header: ['endpoint', 'health', 'took', 'error'],
    rows: list.map((h) => [h.endpoint, String(h.health), h.took, h.error]),
  };
}

export function endpointStatusTable(list: readonly EndpointStatus[]): { header: string[]; rows: string[][] } {
  return {
    header: ['endpoint', 'ID', 'version', 'db size', 'is leader', 'is learner', 'raft term', 'raft index', 'raft applied index', 'errors'],
    rows: list.map(({ endpoint, status }) => {
      const memberId = BigInt(status.header?.member_id ?? '0');
      return [
        endpoint,
        hexU64(memberId),
        status.version,
        humanizeBytes(BigInt.asUintN(64, BigInt(status.dbSize))),
        String(BigInt(status.leader) === memberId),
        String(status.isLearner),
        status.raftTerm,
        status.raftIndex,
        status.raftAppliedIndex,
        status.errors.join(', '),
      ];
    }),
  };
}

export function endpointHashKVTable(list: readonly EndpointHashKV[]): { header: string[]; rows: string[][] } {
  return {
    header: ['endpoint', 'hash'],
    rows: list.map(({ endpoint, hashKV }) => [endpoint, String(hashKV.hash)]),
  };
}

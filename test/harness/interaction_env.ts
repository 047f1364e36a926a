/**
 * The environment behind the raft scenario scripts (test/testdata/raft/*.txt): a handful of RawNodes,
 * each with a MemoryLogStorage that holds exactly what its host persisted, a toy state machine (the
 * list of applied payloads), and a network that is a queue of messages per destination which the
 * script delivers (or drops) explicitly. The host loop is the one of raw_node.ts, run step by step.
 *
 * Commands (see handle()):
 *   add-nodes <n> [voters=(1,2,3)] [learners=(4)] [index=<i>] [prevote=true] [checkquorum=true]
 *             [read-only=safe|lease-based] [max-size-per-msg=<b>] [max-inflight=<n>]
 *             [max-inflight-bytes=<b>] [max-uncommitted-size=<b>] [disable-forwarding=true]
 *             [max-committed-size-per-ready=<b>]
 *   campaign <id> | propose <id> <data> | propose-conf-change <id> [transition=auto|implicit|explicit]
 *       (input line: v2 l3 r1 u4 ...; empty input = leave joint)
 *   tick-election <id> | tick-heartbeat <id> | tick <id> [n]
 *   deliver-msgs [ids...] [type=MsgX] [drop=(ids)] | process-ready [ids...] | stabilize [ids...]
 *   raft-log <id> | raft-state | status <id> | applied <id>
 *   compact <id> <index> | transfer-leadership from=<id> to=<id> | read-index <id> <ctx>
 *   restart-node <id> [keep-applied=true] | report-unreachable <leader> <id>
 *   report-snapshot <leader> <id> [ok=false] | log-level <debug|info|warn|error|none>
 *   set-bug <name> <true|false>   (the deliberate faults of src/raft/testing_bugs.ts)
 */
import type { Logger } from '../../src/base/logger.js';
import type { Rand } from '../../src/base/rand.js';
import {
  ConfChangeTransition,
  ConfChangeType,
  decodeConfChangeV2,
  describeConfState,
  describeEntry,
  describeMessage,
  describeReady,
  describeStateType,
  EntryType,
  MemoryLogStorage,
  MessageType,
  ProposalDroppedError,
  raftTestBugs,
  RawNode,
} from '../../src/raft/index.js';
import type { ConfChangeSingle, ConfState, Message, NodeId, RaftConfig, RaftTestBug, Snapshot } from '../../src/raft/index.js';
import type { TestCase } from './datadriven.js';
import { argValue, argValues, positionals } from './datadriven.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level | 'none', number> = { debug: 0, info: 1, warn: 2, error: 3, none: 4 };

/** Always draws 0: every randomized election timeout equals electionTick, so scripts are exact. */
const zeroRand: Rand = { int: () => 0, float: () => 0 };

const ELECTION_TICK = 3;
const HEARTBEAT_TICK = 1;

interface NodeOptions {
  preVote: boolean;
  checkQuorum: boolean;
  readOnlyOption: 'safe' | 'lease-based';
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxInflightBytes: number;
  maxUncommittedEntriesSize: number;
  maxCommittedSizePerReady: number;
  disableProposalForwarding: boolean;
}

interface SimNode {
  id: NodeId;
  options: NodeOptions;
  storage: MemoryLogStorage;
  node: RawNode;
  /** The toy state machine: payloads of applied normal entries (and what a snapshot restored). */
  applied: string[];
  appliedIndex: number;
  /** Configuration as of each applied conf change (and snapshot), to snapshot at any applied index. */
  confHistory: Array<{ index: number; confState: ConfState }>;
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

export class InteractionEnv {
  private readonly nodes = new Map<NodeId, SimNode>();
  /** In-flight messages per destination, in send order. */
  private readonly network = new Map<NodeId, Message[]>();
  private out: string[] = [];
  private indent = '';
  private logLevel = LEVELS.info;

  handle(c: TestCase): string {
    this.out = [];
    this.indent = '';
    switch (c.cmd) {
      case 'add-nodes':
        this.addNodes(c);
        break;
      case 'campaign':
        this.withNode(c, (n) => n.node.campaign());
        break;
      case 'propose':
        this.withNode(c, (n) => this.catchDrop(() => n.node.propose(textEncoder.encode(positionals(c)[1] ?? ''))));
        break;
      case 'propose-conf-change':
        this.proposeConfChange(c);
        break;
      case 'tick-election':
        this.withNode(c, (n) => this.tick(n, ELECTION_TICK));
        break;
      case 'tick-heartbeat':
        this.withNode(c, (n) => this.tick(n, HEARTBEAT_TICK));
        break;
      case 'tick':
        this.withNode(c, (n) => this.tick(n, Number(positionals(c)[1] ?? '1')));
        break;
      case 'deliver-msgs':
        this.deliverMsgs(c);
        break;
      case 'process-ready':
        for (const n of this.selectNodes(c)) {
          if (!this.processReady(n)) this.print(`> ${n.id} has no Ready`);
        }
        break;
      case 'stabilize':
        this.stabilize(this.selectNodes(c));
        break;
      case 'raft-log':
        this.withNode(c, (n) => this.raftLog(n));
        break;
      case 'raft-state':
        this.raftState();
        break;
      case 'status':
        this.withNode(c, (n) => this.status(n));
        break;
      case 'applied':
        this.withNode(c, (n) => this.print(`applied index ${n.appliedIndex}: [${n.applied.join(' ')}]`));
        break;
      case 'compact':
        this.withNode(c, (n) => this.compact(n, Number(positionals(c)[1])));
        break;
      case 'transfer-leadership': {
        const from = this.node(BigInt(argValue(c, 'from')!));
        from.node.transferLeader(BigInt(argValue(c, 'to')!));
        break;
      }
      case 'read-index':
        this.withNode(c, (n) => n.node.readIndex(textEncoder.encode(positionals(c)[1] ?? '')));
        break;
      case 'restart-node':
        this.withNode(c, (n) => this.restart(n, argValue(c, 'keep-applied') === 'true'));
        break;
      case 'report-unreachable':
        this.withNode(c, (n) => n.node.reportUnreachable(BigInt(positionals(c)[1]!)));
        break;
      case 'report-snapshot':
        this.withNode(c, (n) => n.node.reportSnapshot(BigInt(positionals(c)[1]!), argValue(c, 'ok') !== 'false'));
        break;
      case 'set-bug': {
        const [name, value] = positionals(c);
        if (name === undefined || !(name in raftTestBugs)) throw new Error(`unknown bug ${name}`);
        raftTestBugs[name as RaftTestBug] = value === 'true';
        break;
      }
      case 'log-level': {
        const level = positionals(c)[0] as Level | 'none';
        if (!(level in LEVELS)) throw new Error(`unknown log level ${level}`);
        this.logLevel = LEVELS[level];
        break;
      }
      default:
        throw new Error(`unknown command ${c.cmd}`);
    }
    return this.out.join('\n');
  }

  // ---------------------------------------------------------------------------------------------

  private print(line: string): void {
    for (const l of line.split('\n')) this.out.push(this.indent + l);
  }

  private logger(): Logger {
    const log =
      (level: Level) =>
      (_fields: Record<string, unknown>, msg: string): void => {
        if (LEVELS[level] >= this.logLevel) this.print(`${level.toUpperCase()} ${msg}`);
      };
    const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger };
    return logger;
  }

  private node(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private withNode(c: TestCase, fn: (n: SimNode) => void): void {
    const id = positionals(c)[0];
    if (id === undefined) throw new Error(`${c.cmd} needs a node id`);
    fn(this.node(BigInt(id)));
  }

  /** The nodes named positionally, or all nodes in id order. */
  private selectNodes(c: TestCase): SimNode[] {
    const ids = positionals(c);
    if (ids.length > 0) return ids.map((id) => this.node(BigInt(id)));
    return this.allNodes();
  }

  private allNodes(): SimNode[] {
    return [...this.nodes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((id) => this.node(id));
  }

  private catchDrop(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof ProposalDroppedError)) throw err;
      this.print(`error: ${err.message}`);
    }
  }

  private tick(n: SimNode, count: number): void {
    for (let i = 0; i < count; i++) n.node.tick();
  }

  private rawNodeConfig(id: NodeId, storage: MemoryLogStorage, o: NodeOptions, applied?: number): RaftConfig {
    const cfg: RaftConfig = {
      id,
      electionTick: ELECTION_TICK,
      heartbeatTick: HEARTBEAT_TICK,
      storage,
      maxSizePerMsg: o.maxSizePerMsg,
      maxInflightMsgs: o.maxInflightMsgs,
      maxInflightBytes: o.maxInflightBytes,
      maxUncommittedEntriesSize: o.maxUncommittedEntriesSize,
      maxCommittedSizePerReady: o.maxCommittedSizePerReady,
      checkQuorum: o.checkQuorum,
      preVote: o.preVote,
      readOnlyOption: o.readOnlyOption,
      disableProposalForwarding: o.disableProposalForwarding,
      rand: zeroRand,
      logger: this.logger(),
    };
    if (applied !== undefined) cfg.applied = applied;
    return cfg;
  }

  private addNodes(c: TestCase): void {
    const count = Number(positionals(c)[0]);
    const voters = (argValues(c, 'voters') ?? []).map(BigInt);
    const learners = (argValues(c, 'learners') ?? []).map(BigInt);
    const index = Number(argValue(c, 'index') ?? '1');
    const bool = (k: string): boolean => argValue(c, k) === 'true';
    const num = (k: string, d: number): number => Number(argValue(c, k) ?? d);
    const options: NodeOptions = {
      preVote: bool('prevote'),
      checkQuorum: bool('checkquorum'),
      readOnlyOption: (argValue(c, 'read-only') ?? 'safe') as NodeOptions['readOnlyOption'],
      maxSizePerMsg: num('max-size-per-msg', Number.MAX_SAFE_INTEGER),
      maxInflightMsgs: num('max-inflight', 256),
      maxInflightBytes: num('max-inflight-bytes', 0),
      maxUncommittedEntriesSize: num('max-uncommitted-size', 0),
      maxCommittedSizePerReady: num('max-committed-size-per-ready', 0),
      disableProposalForwarding: bool('disable-forwarding'),
    };
    let nextId = 1n;
    for (const id of this.nodes.keys()) if (id >= nextId) nextId = id + 1n;
    for (let i = 0; i < count; i++) {
      const id = nextId + BigInt(i);
      const storage = new MemoryLogStorage();
      const confHistory: SimNode['confHistory'] = [];
      if (voters.length > 0) {
        const confState: ConfState = { voters, learners, votersOutgoing: [], learnersNext: [], autoLeave: false };
        storage.applySnapshot({ data: new Uint8Array(0), metadata: { index, term: 1, confState } });
        storage.setHardState({ term: 1, vote: 0n, commit: index });
        confHistory.push({ index, confState });
      }
      const node = new RawNode(this.rawNodeConfig(id, storage, options));
      this.nodes.set(id, { id, options, storage, node, applied: [], appliedIndex: voters.length > 0 ? index : 0, confHistory });
    }
  }

  private proposeConfChange(c: TestCase): void {
    const transitions: Record<string, ConfChangeTransition> = {
      auto: ConfChangeTransition.Auto,
      implicit: ConfChangeTransition.JointImplicit,
      explicit: ConfChangeTransition.JointExplicit,
    };
    const transition = transitions[argValue(c, 'transition') ?? 'auto'];
    if (transition === undefined) throw new Error(`unknown transition ${argValue(c, 'transition')}`);
    const types: Record<string, ConfChangeType> = {
      v: ConfChangeType.AddNode,
      l: ConfChangeType.AddLearnerNode,
      r: ConfChangeType.RemoveNode,
      u: ConfChangeType.UpdateNode,
    };
    const changes: ConfChangeSingle[] = c.input
      .split(/\s+/)
      .filter((t) => t !== '')
      .map((t) => {
        const type = types[t[0]!];
        if (type === undefined) throw new Error(`bad conf change token ${t}`);
        return { type, nodeId: BigInt(t.slice(1)) };
      });
    this.withNode(c, (n) => this.catchDrop(() => n.node.proposeConfChange({ transition, changes, context: new Uint8Array(0) })));
  }

  // ---------------------------------------------------------------------------------------------
  // The host loop, one Ready at a time.

  /** Persists, sends, applies and advances one Ready. Returns false if the node had none. */
  private processReady(n: SimNode): boolean {
    if (!n.node.hasReady()) return false;
    this.print(`> ${n.id} handling Ready`);
    const saved = this.indent;
    this.indent += '  ';
    const rd = n.node.ready();
    this.print(describeReady(rd));
    // 1. persist
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    // 2. send (a copy: nothing is shared between nodes)
    for (const m of rd.messages) {
      const q = this.network.get(m.to) ?? [];
      q.push(structuredClone(m));
      this.network.set(m.to, q);
    }
    // 3. apply
    if (rd.snapshot !== undefined) this.applySnapshot(n, rd.snapshot);
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChangeV2) {
        const confState = n.node.applyConfChange(decodeConfChangeV2(e.data));
        n.confHistory.push({ index: e.index, confState });
      } else if (e.data.length > 0) {
        n.applied.push(textDecoder.decode(e.data));
      }
      n.appliedIndex = e.index;
    }
    // 4. advance
    n.node.advance(rd);
    this.indent = saved;
    return true;
  }

  private applySnapshot(n: SimNode, s: Snapshot): void {
    const text = textDecoder.decode(s.data);
    n.applied = text === '' ? [] : text.split(' ');
    n.appliedIndex = s.metadata.index;
    n.confHistory = [{ index: s.metadata.index, confState: s.metadata.confState }];
  }

  private deliverMsgs(c: TestCase): void {
    const type = argValue(c, 'type');
    const matches = (m: Message): boolean => type === undefined || MessageType[m.type] === type;
    const drop = argValues(c, 'drop');
    if (drop !== undefined) {
      for (const id of drop.map(BigInt)) {
        const q = this.network.get(id) ?? [];
        for (const m of q.filter(matches)) this.print(`dropped: ${describeMessage(m)}`);
        this.network.set(id, q.filter((m) => !matches(m)));
      }
      if (positionals(c).length === 0) return;
    }
    const delivered = this.deliver(this.selectNodes(c), matches);
    if (delivered === 0 && drop === undefined) this.print('no messages');
  }

  /** Steps every queued message (matching the filter) into its destination. Returns how many. */
  private deliver(targets: readonly SimNode[], matches: (m: Message) => boolean = () => true): number {
    let count = 0;
    for (const n of targets) {
      const q = this.network.get(n.id) ?? [];
      const now = q.filter(matches);
      if (now.length === 0) continue;
      this.network.set(n.id, q.filter((m) => !matches(m)));
      this.print(`> ${n.id} receiving messages`);
      const saved = this.indent;
      this.indent += '  ';
      for (const m of now) {
        this.print(describeMessage(m));
        n.node.step(m);
        count++;
      }
      this.indent = saved;
    }
    return count;
  }

  /** Alternates processing Readys and delivering messages among `targets` until nothing moves. */
  private stabilize(targets: readonly SimNode[]): void {
    for (let round = 0; ; round++) {
      if (round > 1000) throw new Error('stabilize did not converge');
      let moved = false;
      for (const n of targets) moved = this.processReady(n) || moved;
      moved = this.deliver(targets) > 0 || moved;
      if (!moved) return;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Inspection

  private raftLog(n: SimNode): void {
    const first = n.storage.firstIndex();
    const last = n.storage.lastIndex();
    if (last < first) {
      this.print(`log is empty: first index=${first}, last index=${last}`);
      return;
    }
    for (const e of n.storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) this.print(describeEntry(e));
  }

  private raftState(): void {
    for (const n of this.allNodes()) {
      const st = n.node.status();
      const isVoter = st.config.voters.includes(n.id) || st.config.votersOutgoing.includes(n.id);
      const isLearner = st.config.learners.includes(n.id) || st.config.learnersNext.includes(n.id);
      const role = isVoter ? 'Voter' : isLearner ? 'Learner' : 'Non-member';
      this.print(`${n.id}: ${describeStateType(st.softState.raftState)} (${role}) Term:${st.hardState.term} Lead:${st.softState.lead}`);
    }
  }

  private status(n: SimNode): void {
    const st = n.node.status();
    this.print(`config: ${describeConfState(st.config)}`);
    this.print(`${describeStateType(st.softState.raftState)} term=${st.hardState.term} vote=${st.hardState.vote} commit=${st.hardState.commit} applied=${st.applied} lead=${st.softState.lead}${st.leadTransferee !== 0n ? ` transferee=${st.leadTransferee}` : ''}`);
    if (st.progress === undefined) return;
    for (const [id, pr] of st.progress) {
      let line = `${id}: State${pr.state[0]!.toUpperCase()}${pr.state.slice(1)} match=${pr.match} next=${pr.next}`;
      if (pr.isLearner) line += ' learner';
      if (pr.paused) line += ' paused';
      if (pr.pendingSnapshot > 0) line += ` pendingSnap=${pr.pendingSnapshot}`;
      if (pr.inflightCount > 0) line += ` inflight=${pr.inflightCount}`;
      if (!pr.recentActive && id !== n.id) line += ' inactive';
      this.print(line);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Host actions

  /** Snapshots the state machine at `index` (which must be applied) and compacts the log up to it. */
  private compact(n: SimNode, index: number): void {
    if (index > n.appliedIndex) throw new Error(`cannot snapshot at ${index}: applied is ${n.appliedIndex}`);
    const conf = [...n.confHistory].reverse().find((h) => h.index <= index);
    if (conf === undefined) throw new Error(`no configuration known at ${index}`);
    // The state machine at `index`: replay applied payloads up to it from the log.
    n.storage.createSnapshot(index, conf.confState, textEncoder.encode(this.stateAt(n, index).join(' ')));
    n.storage.compact(index);
    this.raftLog(n);
  }

  private stateAt(n: SimNode, index: number): string[] {
    const snap = n.storage.snapshot();
    const base = snap.metadata.index;
    if (index === n.appliedIndex) return n.applied;
    const text = textDecoder.decode(snap.data);
    const state = text === '' ? [] : text.split(' ');
    for (const e of n.storage.entries(base + 1, index + 1, Number.MAX_SAFE_INTEGER)) {
      if (e.type === EntryType.Normal && e.data.length > 0) state.push(textDecoder.decode(e.data));
    }
    return state;
  }

  /**
   * Crash and restart: the RawNode and anything not persisted are gone; the node starts from its
   * storage. Without keep-applied the state machine is rebuilt from the snapshot and committed entries
   * are applied again; with it, the state machine survived and RaftConfig.applied says how far.
   */
  private restart(n: SimNode, keepApplied: boolean): void {
    if (keepApplied) {
      n.node = new RawNode(this.rawNodeConfig(n.id, n.storage, n.options, n.appliedIndex));
      return;
    }
    this.applySnapshot(n, n.storage.snapshot());
    n.node = new RawNode(this.rawNodeConfig(n.id, n.storage, n.options));
  }
}

/**
 * What the leader knows about one follower's log, and how it sends to it:
 *
 * - probe: the leader does not know where the follower's log ends; it sends one MsgApp at a time and
 *   waits for the answer (or a heartbeat response) before the next.
 * - replicate: the follower's log is known to match up to `match`; the leader streams entries
 *   optimistically, bounded by the inflights window.
 * - snapshot: the follower needs a snapshot; nothing is sent until it reports back.
 *
 * Invariant: 0 <= match < next.
 */
import { invariant } from '../../base/assert.js';
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be replicated (durably) on the follower. */
  match: number;
  /** Index of the next entry to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In the snapshot state: the index of the snapshot being sent. 0 otherwise. */
  pendingSnapshot = 0;
  /** Heard from since the last CheckQuorum round (the leader counts itself as always active). */
  recentActive = false;
  /** The leader's tick count when a response from this node last arrived (lease-based reads). */
  lastHeardTick = Number.NEGATIVE_INFINITY;
  /** In the probe state: a MsgApp is out and unanswered, so hold off sending another. */
  probeSent = false;
  /**
   * Highest commit index sent to the follower (that it can apply to entries it holds). Sending it again
   * is pointless unless the leader's commit index moved; a lost message is covered by heartbeats.
   */
  sentCommit = 0;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(match: number, next: number, inflights: Inflights, isLearner: boolean) {
    this.match = match;
    this.next = next;
    this.inflights = inflights;
    this.isLearner = isLearner;
    this.checkInvariant();
  }

  clone(): Progress {
    const p = new Progress(this.match, this.next, this.inflights.clone(), this.isLearner);
    p.state = this.state;
    p.pendingSnapshot = this.pendingSnapshot;
    p.recentActive = this.recentActive;
    p.lastHeardTick = this.lastHeardTick;
    p.probeSent = this.probeSent;
    p.sentCommit = this.sentCommit;
    return p;
  }

  private resetState(state: ProgressState): void {
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  /**
   * Back to probing. After a snapshot, the follower will have at least the snapshot's entries (if it
   * applied it), so start from there; otherwise from just after the last known match.
   */
  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
    this.checkInvariant();
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
  }

  /**
   * Bookkeeping after sending a MsgApp with `count` entries of `bytes` starting at `next`: in the
   * replicate state the window advances optimistically; in the probe state one message is enough.
   */
  sentEntries(count: number, bytes: number): void {
    switch (this.state) {
      case 'replicate':
        if (count > 0) {
          this.next += count;
          this.inflights.add(this.next - 1, bytes);
        }
        break;
      case 'probe':
        if (count > 0) this.probeSent = true;
        break;
      case 'snapshot':
        invariant(false, 'sending entries to a follower that is waiting for a snapshot');
    }
  }

  /** Records that a message told the follower about commit index `commit`. */
  sentCommitTo(commit: number): void {
    if (commit > this.sentCommit) this.sentCommit = commit;
  }

  /** Whether telling the follower about commit index `committed` could advance its commit index. */
  canBumpCommit(committed: number): boolean {
    return this.state !== 'snapshot' && this.sentCommit < Math.min(committed, this.match);
  }

  /** An acknowledgement up to index n arrived. Returns whether it was news (match increased). */
  maybeUpdate(n: number): boolean {
    if (n <= this.match) return false;
    this.match = n;
    this.next = Math.max(this.next, n + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * The follower rejected the MsgApp whose previous index was `rejected`; `matchHint` is the highest
   * index that may still match. Returns false when the rejection is stale (answers an older message).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      // Everything up to match is known good: the rejection can only be for a later message.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe (or snapshot) state only the answer to the latest probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    this.checkInvariant();
    return true;
  }

  /** Whether sending more MsgApps must wait. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  private checkInvariant(): void {
    invariant(this.match < this.next, () => `progress: match ${this.match} must be < next ${this.next}`);
  }
}

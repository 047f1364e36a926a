/**
 * Physical compaction: deletes from the 'key' bucket the revisions a compaction made unreachable.
 * The store compacts its index at once (so reads below the compaction revision fail at once) and
 * records the intent (scheduledCompactRev) in the applier's batch; this pass then runs in the
 * background, in bounded batches written beside the applier's (never inside its pending batch),
 * and records finishedCompactRev when done. A pass interrupted by a crash is simply run again at
 * open: deleting an already deleted revision is harmless.
 *
 * Which revisions go: those at or below the compaction revision that the compacted index no
 * longer holds. That is etcd's rule (per key, keep the newest revision at or below the compaction
 * revision unless it is a tombstone), read off the index instead of a separate "keep" set.
 */
import { invariant } from '../base/assert.js';
import type { Logger } from '../base/logger.js';
import type { Backend, BackendWrite } from '../storage/backend.js';
import type { TreeIndex } from './key_index.js';
import { readIndexFields, type IndexFields } from './kv_codec.js';
import { finishedCompactionWrite } from './meta.js';
import { mainRevisionStart, revisionMain, revisionSub } from './revision.js';

/** Deletes per batch: bounds each write and the time between two chances for the apply path. */
const DELETE_BATCH = 1000;

export class CompactionStoppedError extends Error {
  override name = 'CompactionStoppedError';
}

export class Compactor {
  /** Passes run one at a time, in the order the compactions were accepted. */
  private queue: Promise<void> = Promise.resolve();
  private stopping = false;
  private signalStop!: () => void;
  /** Settles when stop() is called, so a pass waiting for a commit that never comes can end. */
  private readonly stopped = new Promise<void>((resolve) => (this.signalStop = resolve));

  constructor(
    private readonly backend: Backend,
    private readonly index: TreeIndex,
    private readonly logger: Logger,
  ) {}

  /** Queues the physical pass for rev; the promise settles when it is done (or stopped). */
  schedule(rev: number): Promise<void> {
    invariant(!this.stopping, 'compaction scheduled on a closed store');
    const done = this.queue.then(() => this.run(rev));
    this.queue = done.catch((err: unknown) => {
      if (!(err instanceof CompactionStoppedError)) {
        this.logger.error({ rev, err: String(err) }, 'physical compaction failed');
      }
    });
    // Nobody is obliged to wait for a compaction: never let its failure go unhandled.
    done.catch(() => {});
    return done;
  }

  /** Resolves once every queued pass has settled. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Stops after the current batch; passes not finished stay recorded as scheduled and resume at open. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.signalStop();
    await this.queue;
  }

  private async run(rev: number): Promise<void> {
    // The batch that recorded the intent holds every revision up to rev that was still pending:
    // scan only once it is on disk, or superseded revisions could escape the scan.
    await Promise.race([this.backend.flushed(), this.stopped]);
    if (this.stopping) throw new CompactionStoppedError(`compaction at ${rev} stopped`);
    const started = Date.now();
    const fields: IndexFields = { keyStart: 0, keyEnd: 0, createRevision: 0, version: 0 };
    let deletes: BackendWrite[] = [];
    let deleted = 0;
    for await (const chunk of this.backend.iterateChunks('key', { lt: mainRevisionStart(rev + 1) })) {
      if (this.stopping) throw new CompactionStoppedError(`compaction at ${rev} stopped`);
      for (const [revKey, value] of chunk) {
        readIndexFields(value, fields);
        const ki = this.index.get(value.toString('latin1', fields.keyStart, fields.keyEnd));
        if (ki === undefined || !ki.holds(revisionMain(revKey), revisionSub(revKey))) {
          deletes.push({ type: 'del', bucket: 'key', key: revKey });
        }
      }
      if (deletes.length >= DELETE_BATCH) {
        deleted += deletes.length;
        await this.backend.writeDetached(deletes, { sync: false });
        deletes = [];
      }
    }
    if (this.stopping) throw new CompactionStoppedError(`compaction at ${rev} stopped`);
    deleted += deletes.length;
    deletes.push(finishedCompactionWrite(rev));
    await this.backend.writeDetached(deletes, { sync: false });
    this.logger.info({ rev, deleted, tookMs: Date.now() - started }, 'finished scheduled compaction');
  }
}

/**
 * Physical compaction: deletes from the 'key' bucket the revisions a compaction made unreachable.
 * The store compacts its index at once (so reads below the compaction revision fail at once),
 * which yields the exact list of revisions it dropped, and records the intent
 * (scheduledCompactRev) in the applier's batch. This pass then deletes those revisions in the
 * background, in bounded batches written beside the applier's (never inside its pending batch),
 * and records finishedCompactRev when done. After a crash the store rebuilds its index from disk,
 * where the undeleted revisions still are, and compacting it again yields the rest of the list:
 * deleting an already deleted revision is harmless.
 *
 * What goes is etcd's rule (per key, keep the newest revision at or below the compaction revision
 * unless it is a tombstone); unlike etcd this never scans the bucket, so it costs what it removes.
 */
import { invariant } from '../base/assert.js';
import type { Logger } from '../base/logger.js';
import type { Backend, BackendWrite } from '../storage/backend.js';
import type { DroppedRevisions } from './key_index.js';
import { finishedCompactionWrite } from './meta.js';
import { revisionKey } from './revision.js';

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
    private readonly logger: Logger,
  ) {}

  /** Queues the physical pass for rev; the promise settles when it is done (or stopped). */
  schedule(rev: number, dropped: DroppedRevisions): Promise<void> {
    invariant(!this.stopping, 'compaction scheduled on a closed store');
    const done = this.queue.then(() => this.run(rev, dropped));
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

  private async run(rev: number, dropped: DroppedRevisions): Promise<void> {
    // The batch that recorded the intent holds every dropped revision still pending: delete only
    // once it is on disk, or a delete could land before the put it undoes.
    await Promise.race([this.backend.flushed(), this.stopped]);
    const started = Date.now();
    for (let at = 0; at < dropped.length; at += 2 * DELETE_BATCH) {
      if (this.stopping) throw new CompactionStoppedError(`compaction at ${rev} stopped`);
      const end = Math.min(dropped.length, at + 2 * DELETE_BATCH);
      const deletes: BackendWrite[] = [];
      for (let i = at; i < end; i += 2) {
        const sub = dropped[i + 1]!;
        const key = sub >= 0 ? revisionKey(dropped[i]!, sub) : revisionKey(dropped[i]!, -sub - 1, true);
        deletes.push({ type: 'del', bucket: 'key', key });
      }
      await this.backend.writeDetached(deletes, { sync: false });
    }
    if (this.stopping) throw new CompactionStoppedError(`compaction at ${rev} stopped`);
    await this.backend.writeDetached([finishedCompactionWrite(rev)], { sync: false });
    this.logger.info({ rev, deleted: dropped.length / 2, tookMs: Date.now() - started }, 'finished scheduled compaction');
  }
}

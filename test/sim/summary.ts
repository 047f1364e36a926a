/**
 * Sums the statistics of many runs and renders the summary the CLI prints: throughput, faults
 * injected by kind, and operations checked.
 */
import type { RunStats } from './world.js';

export interface Totals {
  seeds: number;
  passed: number;
  stats: RunStats | undefined;
  convergence: number[];
}

export function emptyTotals(): Totals {
  return { seeds: 0, passed: 0, stats: undefined, convergence: [] };
}

/** Adds numeric leaves of `b` into `a` (same shape). */
function addInto(a: Record<string, unknown>, b: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(b)) {
    if (typeof v === 'number') a[k] = ((a[k] as number | undefined) ?? 0) + v;
    else if (v !== null && typeof v === 'object') {
      a[k] ??= {};
      addInto(a[k] as Record<string, unknown>, v as Record<string, unknown>);
    }
  }
}

export function addRun(t: Totals, ok: boolean, stats: RunStats): void {
  t.seeds++;
  if (ok) t.passed++;
  if (t.stats === undefined) t.stats = JSON.parse(JSON.stringify(stats)) as RunStats;
  else addInto(t.stats as unknown as Record<string, unknown>, stats as unknown as Record<string, unknown>);
  if (stats.convergedAfter >= 0) t.convergence.push(stats.convergedAfter);
}

function n(x: number): string {
  return x.toLocaleString('en-US');
}

function kinds(rec: Record<string, number>): string {
  return Object.entries(rec)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
}

function sum(rec: Record<string, number>): number {
  return Object.values(rec).reduce((a, b) => a + b, 0);
}

export function renderSummary(t: Totals, seconds: number, header: string): string {
  const lines = [header, `  passed ${n(t.passed)}/${n(t.seeds)} seeds in ${seconds.toFixed(1)}s — ${(t.seeds / Math.max(seconds, 1e-9)).toFixed(1)} seeds/s`];
  const s = t.stats;
  if (s !== undefined) {
    const f = s.faults;
    lines.push(
      `  host loops: ${kinds(s.hostLoops)}; server loop: ${n(s.serverLoop.earlyMessages)} leader messages sent before the write, ${n(s.serverLoop.earlyApplied)} entries applied before it, ${n(s.serverLoop.commitOnlySkipped)} commit-only hard states not written`,
      `  faults injected: crashes ${n(sum(f.crashes))} (${kinds(f.crashes)}), restarts ${n(f.restarts)}`,
      `                   partitions ${n(sum(f.partitions))} (${kinds(f.partitions)})`,
      `                   messages ${n(f.messagesSent)} sent: ${n(f.messagesDropped)} lost, ${n(f.messagesDuplicated)} duplicated, ${n(f.messagesBlocked)} cut by partitions, ${n(f.fromRemovedRefused)} refused from removed members`,
    );
    const w = s.workload;
    const c = s.checks;
    lines.push(
      `  operations checked: ${n(c.writesAcked)} puts acknowledged (${n(w.putsIssued)} issued), ${n(c.readsChecked)} linearizable reads (${n(w.readsIssued)} issued), ${n(w.proposalsDropped)} proposals dropped`,
      `                      ${n(w.confChangesApplied)} membership changes applied (${n(w.confChangesProposed)} proposed), ${n(w.transfers)} leadership transfers, ${n(s.snapshotsSent)} snapshots sent, ${n(c.leadersElected)} leaders elected`,
      `  checks: ${n(c.entriesMatched)} log-matching, ${n(c.commitsChecked)} commit, ${n(c.appliesChecked)} apply, ${n(c.snapshotsChecked)} snapshot, ${n(c.messagesChecked)} durability-before-send`,
      `  simulated ${n(Math.round(s.virtualMs / 1000))}s of cluster time in ${n(s.events)} events`,
    );
    if (t.convergence.length > 0) {
      const sorted = [...t.convergence].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      lines.push(`  convergence after healing (virtual ms): median ${at(0.5)}, p99 ${at(0.99)}, max ${sorted[sorted.length - 1]}`);
    }
  }
  return lines.join('\n');
}

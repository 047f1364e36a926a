/**
 * Runs a list of etcdctl invocations against one endpoint and records a transcript that can be
 * compared across servers (or across clients: the same list through bin/tetcdctl). Normalization is deliberately narrow:
 * - server identity that legitimately differs between two clusters: non-zero cluster_id,
 *   member_id and raft_term, in json (`"cluster_id":N`) and fields (`"ClusterID" : N`) output;
 * - etcdctl's own client-side retry log lines, whose `ts` (wall clock) and `target` (a random
 *   client UUID and our endpoint) are not server behaviour. The rest of those lines, including
 *   the server's gRPC code and message, is compared.
 * Everything else (revisions, versions, values, errors, exit codes) must match byte for byte.
 * When two clients are compared, help and usage text (a txn request line with a bad flag prints
 * it) is compared by its facts only: bin/tetcdctl words its descriptions itself.
 */
import { runCtl } from '../helpers/etcdctl.js';
import { helpFacts } from '../ctl/help_text.js';

export interface CtlStep {
  args: readonly string[];
  stdin?: string | Buffer;
}

export interface TranscriptEntry {
  command: string;
  output: string;
}

const STDIN_SHOWN_CHARS = 160;

/** How a step reads in a transcript: a shell-like command line with a summary of its stdin. */
export function describeStep(step: CtlStep): string {
  const words = step.args.map((a) => (/^[\w.,=/:@%+-]+$/.test(a) ? a : JSON.stringify(a)));
  let line = `$ etcdctl ${words.join(' ')}`;
  if (step.stdin !== undefined) {
    const text = step.stdin.toString();
    line +=
      text.length > STDIN_SHOWN_CHARS
        ? ` <<< (${step.stdin.length} bytes of stdin)`
        : ` <<< ${JSON.stringify(text)}`;
  }
  return line;
}

const ID_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/"(cluster_id|member_id|raft_term)":(?!0(?!\d))\d+/g, '"$1":<$1>'],
  [/"(ClusterID|MemberID|RaftTerm)" : (?!0(?!\d))\d+/g, '"$1" : <$1>'],
];

export function normalizeOutput(text: string): string {
  let out = text;
  for (const [pattern, replacement] of ID_PATTERNS) out = out.replace(pattern, replacement);
  return out.replace(/"ts":"[^"]*",/g, '').replace(/"target":"[^"]*",/g, '');
}

export interface TranscriptOptions {
  /** The command line tool to run: etcdctl (default) or a path such as bin/tetcdctl. */
  command?: string;
  /**
   * Drop the structured log lines etcdctl's client library prints on stderr (`{"level":...}`),
   * for comparing two clients rather than two servers: they are Go client internals, while the
   * `Error:` line that follows them carries the server's message.
   */
  dropClientLogs?: boolean;
  /**
   * Compare help and usage text by layout, names and defaults, not descriptions (see
   * test/ctl/help_text.ts), for comparing bin/tetcdctl, which has its own wording, with etcdctl.
   */
  helpAsFacts?: boolean;
}

const CLIENT_LOG_LINE = /^\{"level":/;

export async function runTranscript(
  endpoint: string,
  steps: readonly CtlStep[],
  options: TranscriptOptions = {},
): Promise<TranscriptEntry[]> {
  const entries: TranscriptEntry[] = [];
  for (const step of steps) {
    const result = await runCtl(options.command ?? 'etcdctl', step.args, { endpoints: endpoint, stdin: step.stdin, timeoutMs: 20_000 });
    const text = (s: string): string => (options.helpAsFacts ? helpFacts(s) : s);
    const stderr = text(result.stderr)
      .split('\n')
      .filter((line) => line !== '' && !(options.dropClientLogs && CLIENT_LOG_LINE.test(line)))
      .map((line) => `stderr| ${line}\n`)
      .join('');
    const exit = result.signal ? `[killed by ${result.signal}]` : `[exit ${result.code}]`;
    entries.push({ command: describeStep(step), output: normalizeOutput(`${text(result.stdout)}${stderr}${exit}`) });
  }
  return entries;
}

const SHOWN_LINE_CHARS = 400;
const MAX_REPORTED_STEPS = 12;

function clip(line: string): string {
  return line.length > SHOWN_LINE_CHARS ? `${line.slice(0, SHOWN_LINE_CHARS)}… (${line.length} chars)` : line;
}

/**
 * A readable report of the steps whose outputs differ, or '' when the transcripts agree. Each
 * differing step shows the expected lines (`-`), the actual lines (`+`) and the common ones.
 */
export function diffTranscripts(
  expected: readonly TranscriptEntry[],
  actual: readonly TranscriptEntry[],
  labels: { expected: string; actual: string },
): string {
  const report: string[] = [];
  let differing = 0;
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i];
    const a = actual[i];
    if (e && a && e.command === a.command && e.output === a.output) continue;
    differing++;
    if (differing > MAX_REPORTED_STEPS) continue;
    report.push(`step ${i + 1}: ${e?.command ?? a?.command}`);
    report.push(...lineDiff((e?.output ?? '').split('\n'), (a?.output ?? '').split('\n')).map((l) => `    ${clip(l)}`));
  }
  if (differing === 0) return '';
  const hidden = differing > MAX_REPORTED_STEPS ? ` (first ${MAX_REPORTED_STEPS} shown)` : '';
  return [
    `${differing} of ${expected.length} steps differ${hidden}; - ${labels.expected}, + ${labels.actual}:`,
    ...report,
  ].join('\n');
}

/** A minimal LCS line diff; step outputs are a few lines, so quadratic is fine. */
function lineDiff(a: readonly string[], b: readonly string[]): string[] {
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(`- ${a[i++]}`);
    } else {
      out.push(`+ ${b[j++]}`);
    }
  }
  return out;
}

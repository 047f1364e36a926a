/**
 * A runner for readable test scripts with golden output. A file is a sequence of cases:
 *
 *   # comments and blank lines between cases are kept as they are
 *   command pos1 pos2 key=value key=(a,b,c)
 *   optional input lines
 *   ----
 *   expected output, ended by a blank line
 *
 * When the expected output itself contains blank lines it is fenced by a doubled separator:
 *
 *   command
 *   ----
 *   ----
 *   output with
 *
 *   blank lines
 *   ----
 *   ----
 *
 * With REWRITE=1 in the environment the files are rewritten with the actual output, so a change in
 * behaviour shows up as a diff to review.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface CmdArg {
  key: string;
  /** `key=(a,b)` gives ['a', 'b']; `key=v` gives ['v']; a bare word gives []. */
  vals: string[];
}

export interface TestCase {
  /** 1-based line of the command. */
  line: number;
  cmd: string;
  args: CmdArg[];
  /** Lines between the command and the separator, joined by '\n'. */
  input: string;
  expected: string;
  /** The exact lines before the command (comments, blank lines), kept on rewrite. */
  preamble: string[];
  /** The command line and input lines as written. */
  source: string[];
}

export interface ParsedFile {
  cases: TestCase[];
  /** Lines after the last case. */
  trailer: string[];
}

const SEP = '----';

function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of line) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (/\s/.test(ch) && depth === 0) {
      if (cur !== '') tokens.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur !== '') tokens.push(cur);
  return tokens;
}

function parseArg(token: string): CmdArg {
  const eq = token.indexOf('=');
  if (eq < 0) return { key: token, vals: [] };
  const key = token.slice(0, eq);
  let v = token.slice(eq + 1);
  if (v.startsWith('(') && v.endsWith(')')) {
    v = v.slice(1, -1).trim();
    return { key, vals: v === '' ? [] : v.split(',').map((s) => s.trim()) };
  }
  return { key, vals: [v] };
}

export function parseFile(text: string, path: string): ParsedFile {
  const lines = text.split('\n');
  const cases: TestCase[] = [];
  let i = 0;
  let preamble: string[] = [];
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trimStart().startsWith('#')) {
      preamble.push(line);
      i++;
      continue;
    }
    const cmdLine = i + 1;
    const [cmd, ...rest] = tokenize(line);
    const source: string[] = [line];
    const input: string[] = [];
    i++;
    while (i < lines.length && lines[i] !== SEP) {
      input.push(lines[i]!);
      source.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) throw new Error(`${path}:${cmdLine}: command without '${SEP}' separator`);
    i++;
    const expected: string[] = [];
    if (lines[i] === SEP) {
      i++;
      while (i < lines.length && !(lines[i] === SEP && lines[i + 1] === SEP)) expected.push(lines[i++]!);
      if (i >= lines.length) throw new Error(`${path}:${cmdLine}: unterminated '${SEP}' block`);
      i += 2;
    } else {
      while (i < lines.length && lines[i] !== '') expected.push(lines[i++]!);
    }
    cases.push({
      line: cmdLine,
      cmd: cmd!,
      args: rest.map(parseArg),
      input: input.join('\n'),
      expected: expected.join('\n'),
      preamble,
      source,
    });
    preamble = [];
  }
  return { cases, trailer: preamble };
}

/** Renders a parsed file with new outputs; with the original outputs it reproduces the file exactly. */
function renderFile(parsed: ParsedFile, outputs: readonly string[]): string {
  const lines: string[] = [];
  let needsBlank = false;
  const pushPreamble = (pre: readonly string[]): void => {
    if (needsBlank && pre[0] !== '') lines.push('');
    lines.push(...pre);
  };
  parsed.cases.forEach((c, i) => {
    pushPreamble(c.preamble);
    lines.push(...c.source, SEP);
    const out = outputs[i]!.split('\n');
    if (out.some((l) => l === '')) {
      lines.push(SEP, ...out, SEP, SEP);
      needsBlank = false;
    } else {
      lines.push(...out);
      needsBlank = true;
    }
  });
  pushPreamble(parsed.trailer.length > 0 ? parsed.trailer : ['']);
  return lines.join('\n');
}

export function rewriteEnabled(): boolean {
  return process.env['REWRITE'] === '1';
}

export interface Mismatch {
  line: number;
  command: string;
  expected: string;
  actual: string;
}

/**
 * Runs every case of the file through `run` (one fresh handler per file) and returns the mismatches.
 * In rewrite mode, writes the actual outputs back instead and returns none.
 */
export function runFile(path: string, run: (c: TestCase) => string): Mismatch[] {
  const text = readFileSync(path, 'utf8');
  const parsed = parseFile(text, path);
  const mismatches: Mismatch[] = [];
  const outputs: string[] = [];
  for (const c of parsed.cases) {
    let actual: string;
    try {
      actual = run(c).replace(/\n+$/, '');
    } catch (err) {
      throw new Error(`${path}:${c.line}: '${c.source[0]}' threw: ${(err as Error).stack ?? String(err)}`);
    }
    if (actual === '') actual = 'ok';
    if (actual !== c.expected) mismatches.push({ line: c.line, command: c.source[0]!, expected: c.expected, actual });
    outputs.push(actual);
  }
  if (rewriteEnabled()) {
    const next = renderFile(parsed, outputs);
    if (next !== text) writeFileSync(path, next);
    return [];
  }
  return mismatches;
}

export function formatMismatches(path: string, mismatches: readonly Mismatch[]): string {
  return mismatches
    .map((m) => `${path}:${m.line}: ${m.command}\n--- expected\n${m.expected}\n--- actual\n${m.actual}`)
    .join('\n\n');
}

/** Helpers for handlers. */
export function argValues(c: TestCase, key: string): string[] | undefined {
  return c.args.find((a) => a.key === key)?.vals;
}

export function argValue(c: TestCase, key: string): string | undefined {
  const v = argValues(c, key);
  return v === undefined ? undefined : v[0];
}

/** Positional arguments (bare words). */
export function positionals(c: TestCase): string[] {
  return c.args.filter((a) => a.vals.length === 0 && !a.key.includes('=')).map((a) => a.key);
}

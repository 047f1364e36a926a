/**
 * Help and usage text reduced to its facts, for comparing tetcdctl with etcdctl: tetcdctl keeps
 * etcdctl's layout (section names, command names, flag names and defaults, usage lines, the
 * alignment) but words every description itself. Each description becomes `…`; everything else
 * stays, so two help texts compare equal exactly when they list the same things the same way.
 *
 * Two layouts are recognized wherever they appear in a text:
 * - etcdctl's own (`NAME:` … `OPTIONS:` / `GLOBAL OPTIONS:`), on stdout for --help and bad flags;
 * - cobra's default (`Usage:` … `Flags:`), which txn prints on stderr for a bad request line.
 * Text outside them is left alone, so errors and command output still compare byte for byte.
 */

export const PROSE = '…';

/** A section heading of etcdctl's layout: "NAME:", "API VERSION:", "GLOBAL OPTIONS:". */
const ETCDCTL_HEADING = /^[A-Z][A-Z ]*:$/;

/** A pflag line: the flag (with its type) and, 3+ spaces on, the description and default. */
const COBRA_FLAG_LINE = /^(\s*\S.*?\s{3,})(.*?)((?: \(default .*\))?)$/;

type Layout = { kind: 'etcdctl'; section: string; descriptionShown: boolean } | { kind: 'cobra'; inFlags: boolean };

function etcdctlLine(layout: Extract<Layout, { kind: 'etcdctl' }>, line: string): string | undefined {
  switch (layout.section) {
    case 'NAME':
      // "\t<command path> - <what it does>"
      return line.replace(/^(\t.*?) - .*$/, `$1 - ${PROSE}`);
    case 'COMMANDS':
    case 'OPTIONS':
    case 'GLOBAL OPTIONS':
      // The description is the last tab-separated cell; the cells before it are the facts.
      return /[^\t]\t/.test(line) ? line.replace(/\t[^\t]*$/, `\t${PROSE}`) : line;
    case 'DESCRIPTION':
      if (!line.startsWith('\t')) return line;
      if (layout.descriptionShown) return undefined;
      layout.descriptionShown = true;
      return `\t${PROSE}`;
    default:
      return line;
  }
}

/** `text` with the descriptive prose of every help/usage block in it replaced by `…`. */
export function helpFacts(text: string): string {
  const out: string[] = [];
  let layout: Layout | undefined;
  for (const line of text.split('\n')) {
    if (layout === undefined) {
      if (line === 'NAME:') layout = { kind: 'etcdctl', section: 'NAME', descriptionShown: false };
      else if (line === 'Usage:') layout = { kind: 'cobra', inFlags: false };
      out.push(line);
      continue;
    }
    if (layout.kind === 'etcdctl') {
      if (ETCDCTL_HEADING.test(line)) {
        layout = { kind: 'etcdctl', section: line.slice(0, -1), descriptionShown: false };
        out.push(line);
        continue;
      }
      if (line === '' && layout.section === 'GLOBAL OPTIONS') layout = undefined;
      const kept = layout === undefined ? line : etcdctlLine(layout, line);
      if (kept !== undefined) out.push(kept);
      continue;
    }
    if (line === 'Flags:') {
      layout.inFlags = true;
    } else if (layout.inFlags && line === '') {
      layout = undefined;
    } else if (layout.inFlags) {
      out.push(line.replace(COBRA_FLAG_LINE, `$1${PROSE}$3`));
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

/**
 * The descriptions `helpFacts` takes out, in order (each DESCRIPTION section as one string), for
 * checking that tetcdctl's prose is its own.
 */
export function helpProse(text: string): string[] {
  const facts = helpFacts(text).split('\n');
  const lines = text.split('\n');
  const prose: string[] = [];
  let j = 0;
  for (let i = 0; i < facts.length; i++, j++) {
    const fact = facts[i]!;
    if (!fact.endsWith(PROSE)) continue;
    const line = lines[j]!;
    const head = fact.slice(0, -PROSE.length);
    if (fact === `\t${PROSE}` && !line.slice(1).includes('\t')) {
      // A DESCRIPTION section: every indented line up to the next blank one.
      let end = j;
      while (end + 1 < lines.length && lines[end + 1]!.startsWith('\t')) end++;
      prose.push(lines.slice(j, end + 1).map((l) => l.slice(1)).join('\n').trim());
      j = end;
    } else {
      prose.push(line.slice(head.length).replace(/ \(default .*\)$/, ''));
    }
  }
  return prose;
}

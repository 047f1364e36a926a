/**
 * The `-w table` drawing of etcdctl (olekukonko/tablewriter with its defaults and right-aligned
 * cells): `+---+` borders, upper-cased centred headers, cells wrapped at spaces to 30 columns.
 */

const MAX_CELL_WIDTH = 30;

function displayWidth(s: string): number {
  return [...s].length;
}

/** tablewriter's header formatting: '_' and most '.' become spaces, then upper case. */
function title(name: string): string {
  const chars = [...name];
  const isNumOrSpace = (c: string | undefined): boolean => c !== undefined && /[0-9 ]/.test(c);
  const mapped = chars.map((c, i) => {
    if (c === '_') return ' ';
    if (c === '.' && ((i !== 0 && !isNumOrSpace(chars[i - 1])) || (i !== chars.length - 1 && !isNumOrSpace(chars[i + 1])))) {
      return ' ';
    }
    return c;
  });
  let out = mapped.join('').trim();
  if (out.length === 0 && name.length > 0) out = ' ';
  return out.toUpperCase();
}

/** Minimal-raggedness word wrap (tablewriter's WrapWords), words separated by single spaces. */
function wrapWords(words: string[], limit: number): string[][] {
  const n = words.length;
  const length = (i: number, j: number): number => {
    let total = 0;
    for (let k = i; k <= j; k++) total += displayWidth(words[k]!) + (k > i ? 1 : 0);
    return total;
  };
  const cost = new Array<number>(n).fill(Number.MAX_SAFE_INTEGER);
  const breakAt = new Array<number>(n).fill(n);
  const penalty = 1e5;
  for (let i = n - 1; i >= 0; i--) {
    if (length(i, n - 1) <= limit) {
      cost[i] = 0;
      breakAt[i] = n;
      continue;
    }
    for (let j = i + 1; j < n; j++) {
      const lineLength = length(i, j - 1);
      const d = limit - lineLength;
      let c = d * d + cost[j]!;
      if (lineLength > limit) c += penalty;
      if (c < cost[i]!) {
        cost[i] = c;
        breakAt[i] = j;
      }
    }
  }
  const lines: string[][] = [];
  for (let i = 0; i < n; i = breakAt[i]!) lines.push(words.slice(i, breakAt[i]));
  return lines;
}

function wrapCell(text: string): { lines: string[]; width: number } {
  const raw = text.split('\n');
  let width = Math.min(MAX_CELL_WIDTH, Math.max(0, ...raw.map(displayWidth)));
  // Reflow: every paragraph of the cell becomes one, then it is wrapped to the width.
  const words = raw.join(' ').replace(/\n/g, ' ').split(' ');
  const limit = Math.max(width, ...words.map(displayWidth));
  const lines = wrapWords(words, limit).map((ws) => ws.join(' '));
  width = Math.max(width, ...lines.map(displayWidth));
  return { lines, width };
}

function padLeft(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}

function padCenter(s: string, width: number): string {
  const gap = width - displayWidth(s);
  if (gap <= 0) return s;
  const left = Math.floor(gap / 2);
  return ' '.repeat(left) + s + ' '.repeat(gap - left);
}

/** Renders a table exactly as etcdctl's table printer does (every line ends in '\n'). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const columnWidths = new Map<number, number>();
  const fit = (column: number, width: number): void => {
    const current = columnWidths.get(column);
    if (current === undefined || current < width || current === 0) columnWidths.set(column, width);
  };
  const headerCells = header.map((h, i) => {
    const cell = wrapCell(h);
    fit(i, cell.width);
    return cell.lines;
  });
  const bodyCells = rows.map((row) =>
    row.map((v, i) => {
      const cell = wrapCell(v);
      fit(i, cell.width);
      return cell.lines;
    }),
  );
  const widths = [...Array(columnWidths.size).keys()].map((i) => columnWidths.get(i)!);
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2) + '+').join('') + '\n';

  let out = rule;
  const headerHeight = Math.max(...headerCells.map((lines) => lines.length));
  for (let line = 0; line < headerHeight; line++) {
    out += '|';
    widths.forEach((w, i) => {
      out += ' ' + padCenter(title(headerCells[i]?.[line] ?? ''), w) + ' |';
    });
    out += '\n';
  }
  out += rule;
  for (const cells of bodyCells) {
    const height = Math.max(...cells.map((lines) => lines.length));
    for (let line = 0; line < height; line++) {
      out += cells.map((lines, i) => '| ' + padLeft(lines[line] ?? '  ', widths[i]!) + ' ').join('') + '|\n';
    }
  }
  return out + rule;
}

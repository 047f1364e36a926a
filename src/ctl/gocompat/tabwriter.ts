/**
 * Go's text/tabwriter in the configuration etcdctl's help uses (minwidth 0, tabwidth 8,
 * padding 1, padchar '\t', no flags): tab-terminated cells are aligned per column block, a block
 * being a run of consecutive lines that have a cell in that column, and the padding is written as
 * tabs (each worth `tabwidth` columns).
 */

interface Cell {
  text: string;
  width: number;
}

export interface TabwriterOptions {
  minWidth: number;
  tabWidth: number;
  padding: number;
}

const HELP_LAYOUT: TabwriterOptions = { minWidth: 0, tabWidth: 8, padding: 1 };

function runeCount(s: string): number {
  return [...s].length;
}

/** Formats `text` (lines ending in '\n', cells ending in '\t') as tabwriter.Flush would. */
export function tabwrite(text: string, options: TabwriterOptions = HELP_LAYOUT): string {
  const rawLines = text.split('\n');
  // A trailing '\n' ends the last line; the empty remainder is not a line of its own.
  const endsWithNewline = rawLines[rawLines.length - 1] === '';
  if (endsWithNewline) rawLines.pop();
  const lines: Cell[][] = rawLines.map((line) => line.split('\t').map((t) => ({ text: t, width: runeCount(t) })));
  const widths: number[] = [];
  let out = '';

  const padding = (textWidth: number, cellWidth: number): string => {
    const rounded = Math.ceil(cellWidth / options.tabWidth) * options.tabWidth;
    return '\t'.repeat(Math.ceil((rounded - textWidth) / options.tabWidth));
  };

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = lines[i]!;
      line.forEach((cell, j) => {
        out += cell.text;
        if (j < widths.length && j < line.length - 1) out += padding(cell.width, widths[j]!);
      });
      if (i + 1 < lines.length || endsWithNewline) out += '\n';
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      writeLines(line0, current);
      line0 = current;
      let width = options.minWidth;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + options.padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      // `current` ended the block, so it has no cell in this column: skipping it is safe, and
      // line0 makes sure it is still written.
      line0 = current;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}

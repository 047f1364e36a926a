/**
 * Flags with the semantics of spf13/pflag, which etcdctl is built on: `--name=value`,
 * `--name value`, bare `--bool`, `--bool=false`, `-w json`, `-wjson`, `-w=json`, clustered
 * boolean shorthands, flags anywhere among the arguments, `--` ending them, Go's value syntax
 * (strconv base-0 integers, time.ParseDuration, comma lists) and pflag's exact error texts, which
 * etcdctl prints as they are.
 */
import { parseBool, parseInt64, quote, quoteChar } from '../gocompat/strconv.js';
import { formatDuration, parseDuration } from '../gocompat/time.js';

export type FlagType = 'bool' | 'string' | 'int64' | 'duration' | 'stringSlice';

export interface FlagDef {
  name: string;
  shorthand?: string;
  type: FlagType;
  /** The default, in Go's text form ("false", "5s", "[127.0.0.1:2379]", "simple"). */
  defValue: string;
  usage: string;
}

export function boolFlag(name: string, usage: string, defValue = false, shorthand?: string): FlagDef {
  return { name, shorthand, type: 'bool', defValue: String(defValue), usage };
}

export function stringFlag(name: string, defValue: string, usage: string, shorthand?: string): FlagDef {
  return { name, shorthand, type: 'string', defValue, usage };
}

export function int64Flag(name: string, usage: string): FlagDef {
  return { name, type: 'int64', defValue: '0', usage };
}

export function durationFlag(name: string, defValue: string, usage: string): FlagDef {
  return { name, type: 'duration', defValue, usage };
}

/** A parse failure; the message is pflag's, word for word. */
export class FlagError extends Error {
  override name = 'FlagError';
}

type Value = boolean | string | bigint | string[];

/** Go's encoding/csv on one line, as pflag reads a string-slice value. */
function readCsvLine(text: string): string[] {
  if (text === '') return [];
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) throw new FlagError(`parse error on line 1, column ${text.length + 1}: extraneous or missing " in quoted-field`);
        field += text.slice(i, close);
        i = close + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
          continue;
        }
        break;
      }
    } else {
      const comma = text.indexOf(',', i);
      field = comma < 0 ? text.slice(i) : text.slice(i, comma);
      i = comma < 0 ? text.length : comma;
    }
    fields.push(field);
    if (i >= text.length) return fields;
    if (text[i] !== ',') throw new FlagError(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
    i++;
    if (i === text.length) {
      fields.push('');
      return fields;
    }
  }
}

function writeCsvLine(values: readonly string[]): string {
  return values.map((v) => (/[",\r\n]/.test(v) || v.startsWith(' ') ? '"' + v.replace(/"/g, '""') + '"' : v)).join(',');
}

class Flag {
  value: Value;
  changed = false;

  constructor(readonly def: FlagDef) {
    this.value = Flag.parse(def, def.defValue, true);
  }

  private static parse(def: FlagDef, text: string, isDefault: boolean): Value {
    switch (def.type) {
      case 'bool':
        return parseBool(text);
      case 'string':
        return text;
      case 'int64':
        return parseInt64(text, 0);
      case 'duration':
        return parseDuration(text);
      case 'stringSlice':
        return isDefault ? readCsvLine(text.replace(/^\[|\]$/g, '')) : readCsvLine(text);
    }
  }

  /** pflag's Value.Set: a string slice is replaced by its first Set and appended to after. */
  set(text: string): void {
    let parsed: Value;
    try {
      parsed = Flag.parse(this.def, text, false);
    } catch (err) {
      const name = this.def.shorthand ? `-${this.def.shorthand}, --${this.def.name}` : `--${this.def.name}`;
      throw new FlagError(`invalid argument ${quote(text)} for ${quote(name)} flag: ${(err as Error).message}`);
    }
    if (this.def.type === 'stringSlice' && this.changed) this.value = [...(this.value as string[]), ...(parsed as string[])];
    else this.value = parsed;
    this.changed = true;
  }

  /** Go's Value.String(), as `--debug` prints it. */
  toString(): string {
    switch (this.def.type) {
      case 'duration':
        return formatDuration(this.value as bigint);
      case 'stringSlice':
        return '[' + writeCsvLine(this.value as string[]) + ']';
      default:
        return String(this.value);
    }
  }
}

export class FlagSet {
  private readonly byName = new Map<string, Flag>();
  private readonly byShorthand = new Map<string, Flag>();

  constructor(defs: readonly FlagDef[]) {
    for (const def of defs) {
      if (this.byName.has(def.name)) continue;
      const flag = new Flag(def);
      this.byName.set(def.name, flag);
      if (def.shorthand) this.byShorthand.set(def.shorthand, flag);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** True for flags that take no value (pflag's NoOptDefVal): the booleans. */
  isBoolFlag(name: string): boolean {
    return this.byName.get(name)?.def.type === 'bool';
  }

  isBoolShorthand(c: string): boolean {
    return this.byShorthand.get(c)?.def.type === 'bool';
  }

  /** Flags sorted by name, as pflag's VisitAll walks them. */
  definitions(): FlagDef[] {
    return [...this.byName.values()].map((f) => f.def).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private flag(name: string): Flag {
    const flag = this.byName.get(name);
    if (!flag) throw new Error(`flag accessed but not defined: ${name}`);
    return flag;
  }

  changed(name: string): boolean {
    return this.flag(name).changed;
  }

  set(name: string, text: string): void {
    this.flag(name).set(text);
  }

  text(name: string): string {
    return this.flag(name).toString();
  }

  bool(name: string): boolean {
    return this.flag(name).value as boolean;
  }

  string(name: string): string {
    return this.flag(name).value as string;
  }

  int64(name: string): bigint {
    return this.flag(name).value as bigint;
  }

  /** Nanoseconds. */
  duration(name: string): bigint {
    return this.flag(name).value as bigint;
  }

  strings(name: string): string[] {
    return [...(this.flag(name).value as string[])];
  }

  /** Parses `args` (interspersed flags and positionals); returns the positionals. */
  parse(args: readonly string[]): string[] {
    const positional: string[] = [];
    const rest = [...args];
    while (rest.length > 0) {
      const s = rest.shift()!;
      if (s.length < 2 || s[0] !== '-') {
        positional.push(s);
      } else if (s === '--') {
        positional.push(...rest);
        break;
      } else if (s[1] === '-') {
        this.parseLong(s, rest);
      } else {
        this.parseShort(s, rest);
      }
    }
    return positional;
  }

  private parseLong(s: string, rest: string[]): void {
    const body = s.slice(2);
    if (body === '' || body[0] === '-' || body[0] === '=') throw new FlagError(`bad flag syntax: ${s}`);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const flag = this.byName.get(name);
    if (!flag) throw new FlagError(`unknown flag: --${name}`);
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (flag.def.type === 'bool') value = 'true';
    else if (rest.length > 0) value = rest.shift()!;
    else throw new FlagError(`flag needs an argument: ${s}`);
    flag.set(value);
  }

  private parseShort(s: string, rest: string[]): void {
    let shorthands = s.slice(1);
    while (shorthands.length > 0) {
      const c = shorthands[0]!;
      const flag = this.byShorthand.get(c);
      if (!flag) throw new FlagError(`unknown shorthand flag: ${quoteChar(c.charCodeAt(0))} in -${shorthands}`);
      let value: string;
      let remaining = shorthands.slice(1);
      if (shorthands.length > 2 && shorthands[1] === '=') {
        value = shorthands.slice(2);
        remaining = '';
      } else if (flag.def.type === 'bool') {
        value = 'true';
      } else if (shorthands.length > 1) {
        value = shorthands.slice(1);
        remaining = '';
      } else if (rest.length > 0) {
        value = rest.shift()!;
      } else {
        throw new FlagError(`flag needs an argument: ${quoteChar(c.charCodeAt(0))} in -${shorthands}`);
      }
      flag.set(value);
      shorthands = remaining;
    }
  }
}

/** etcdctl's own flag listing in help (help.go's etcdFlagUsages), before tab alignment. */
export function etcdFlagUsages(defs: readonly FlagDef[]): string {
  return defs
    .map((def) => {
      let line = def.shorthand ? `  -${def.shorthand}, --${def.name}` : `      --${def.name}`;
      const value = def.type === 'string' ? quote(def.defValue) : def.defValue;
      line += def.type === 'bool' ? `[=${value}]` : `=${value}`;
      return `${line}\t${def.usage}\n`;
    })
    .join('');
}

const TYPE_NAMES: Record<FlagType, string> = {
  bool: '',
  string: 'string',
  int64: 'int',
  duration: 'duration',
  stringSlice: 'strings',
};

function isZeroDefault(def: FlagDef): boolean {
  switch (def.type) {
    case 'bool':
      return def.defValue === 'false';
    case 'duration':
      return def.defValue === '0' || def.defValue === '0s';
    case 'int64':
      return def.defValue === '0';
    case 'string':
      return def.defValue === '';
    case 'stringSlice':
      return def.defValue === '[]';
  }
}

/** pflag's FlagUsages (cobra's default usage template), trailing whitespace trimmed. */
export function pflagUsages(defs: readonly FlagDef[]): string {
  const heads = defs.map((def) => {
    let head = def.shorthand ? `  -${def.shorthand}, --${def.name}` : `      --${def.name}`;
    if (TYPE_NAMES[def.type] !== '') head += ' ' + TYPE_NAMES[def.type];
    return head;
  });
  const width = Math.max(0, ...heads.map((h) => h.length + 1));
  const lines = defs.map((def, i) => {
    let usage = def.usage;
    if (!isZeroDefault(def)) usage += def.type === 'string' ? ` (default ${quote(def.defValue)})` : ` (default ${def.defValue})`;
    return `${heads[i]} ${' '.repeat(width - heads[i]!.length)} ${usage}\n`;
  });
  return lines.join('').replace(/\s+$/, '');
}

/**
 * A command tree with spf13/cobra's behaviour as etcdctl configures it: subcommand lookup that
 * skips flags, unique-prefix matching (`etcdctl mem list`), "unknown command" errors with
 * suggestions, `-h/--help` on every command, a non-runnable command printing its usage, and the
 * error/usage output sequence etcdctl produces. Help text follows the layout of etcdctl's template;
 * the descriptions in it are our own.
 */
import { FlagError, FlagSet, type FlagDef } from './flags.js';
import { quote } from '../gocompat/strconv.js';
import { renderEtcdUsage } from './usage.js';
import { ExitCode, exitWithError, type CtlIO } from '../io.js';

export interface CommandSpec {
  /** First word is the command name: "get [options] <key> [range_end]". */
  use: string;
  short: string;
  long?: string;
  flags?: readonly FlagDef[];
  /** Flags this command and all its subcommands accept (cobra's persistent flags). */
  persistentFlags?: readonly FlagDef[];
  run?: Run;
  children?: readonly CommandSpec[];
  /** Known to etcdctl but not to us: kept for name matching, left out of help. */
  hidden?: boolean;
}

export class Command {
  readonly name: string;
  readonly children: Command[];
  readonly helpFlag: FlagDef;

  constructor(
    readonly spec: CommandSpec,
    readonly parent: Command | undefined,
  ) {
    this.name = spec.use.split(' ')[0]!;
    this.children = (spec.children ?? []).map((c) => new Command(c, this));
    this.helpFlag = { name: 'help', shorthand: 'h', type: 'bool', defValue: 'false', usage: `show how to use ${this.name}` };
  }

  get root(): Command {
    return this.parent ? this.parent.root : this;
  }

  get path(): string {
    return this.parent ? `${this.parent.path} ${this.name}` : this.name;
  }

  get runnable(): boolean {
    return this.spec.run !== undefined;
  }

  /** Flags defined on this command itself, including its persistent ones and -h. */
  localFlags(): FlagDef[] {
    return [...(this.spec.flags ?? []), ...(this.spec.persistentFlags ?? []), this.helpFlag];
  }

  /** Persistent flags of the ancestors. */
  inheritedFlags(): FlagDef[] {
    const out: FlagDef[] = [];
    for (let p = this.parent; p; p = p.parent) out.push(...(p.spec.persistentFlags ?? []));
    return out;
  }

  flagSet(): FlagSet {
    return new FlagSet([...this.localFlags(), ...this.inheritedFlags()]);
  }

  /** Children sorted by name (cobra sorts them for help). */
  sortedChildren(): Command[] {
    return [...this.children].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  findChild(word: string): Command | undefined {
    const exact = this.children.find((c) => c.name === word);
    if (exact) return exact;
    const byPrefix = this.children.filter((c) => c.name.startsWith(word));
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }
}

export type Run = (invocation: Invocation) => Promise<void>;

/**
 * A run whose module is loaded when the command runs, so that building the command tree (for
 * lookup, help and flag errors) does not load what the commands need to do their work.
 */
export function runFrom<M>(load: () => Promise<M>, pick: (module: M) => Run): Run {
  return async (invocation) => pick(await load())(invocation);
}

export interface Invocation {
  command: Command;
  /** Positional arguments, flags removed. */
  args: string[];
  flags: FlagSet;
  /** Names of the flags that came from ancestors (the only ones ETCDCTL_* variables set). */
  inheritedFlagNames: readonly string[];
  io: CtlIO;
}

/** The words of `args` that are not flags or flag values, as cobra's stripFlags finds them. */
function stripFlags(args: readonly string[], flags: FlagSet): string[] {
  const words: string[] = [];
  const rest = [...args];
  while (rest.length > 0) {
    const s = rest.shift()!;
    if (s === '--') break;
    const takesValue =
      (s.startsWith('--') && !s.includes('=') && !flags.isBoolFlag(s.slice(2))) ||
      (s.startsWith('-') && !s.startsWith('--') && !s.includes('=') && s.length === 2 && !flags.isBoolShorthand(s.slice(1)));
    if (takesValue) {
      if (rest.length <= 1) break;
      rest.shift();
    } else if (s !== '' && !s.startsWith('-')) {
      words.push(s);
    }
  }
  return words;
}

function withoutFirst(args: readonly string[], word: string): string[] {
  const i = args.indexOf(word);
  return i < 0 ? [...args] : [...args.slice(0, i), ...args.slice(i + 1)];
}

/** cobra's Levenshtein distance (case-insensitive). */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let j = 1; j <= b.length; j++) {
    for (let i = 1; i <= a.length; i++) {
      d[i]![j] = a[i - 1] === b[j - 1] ? d[i - 1]![j - 1]! : Math.min(d[i - 1]![j]!, d[i]![j - 1]!, d[i - 1]![j - 1]!) + 1;
    }
  }
  return d[a.length]![b.length]!;
}

function suggestions(command: Command, typed: string): string {
  const names = command.children
    .filter((c) => distance(typed, c.name) <= 2 || c.name.toLowerCase().startsWith(typed.toLowerCase()))
    .map((c) => c.name);
  return names.length === 0 ? '' : '\n\nDid you mean this?\n' + names.map((n) => `\t${n}\n`).join('');
}

/** Locates the command `args` name and the arguments left for it (cobra's Find). */
export function findCommand(root: Command, args: readonly string[]): { command: Command; rest: string[]; error?: string } {
  let command = root;
  let rest = [...args];
  for (;;) {
    const words = stripFlags(rest, command.flagSet());
    const next = words.length > 0 ? command.findChild(words[0]!) : undefined;
    if (!next) break;
    rest = withoutFirst(rest, words[0]!);
    command = next;
  }
  if (command === root && command.children.length > 0) {
    const words = stripFlags(rest, command.flagSet());
    if (words.length > 0) {
      return { command, rest, error: `unknown command ${quote(words[0]!)} for ${quote(command.path)}${suggestions(command, words[0]!)}` };
    }
  }
  return { command, rest };
}

/**
 * Runs the command named by `args` under `root` the way etcdctl's cobra setup does, including
 * the doubled "Error:" lines on stderr and the usage on stdout that etcdctl prints for bad flags.
 */
export async function execute(root: Command, args: readonly string[], io: CtlIO): Promise<void> {
  const found = findCommand(root, args);
  if (found.error !== undefined) {
    io.stderr.write(`Error: ${found.error}\n`);
    io.stderr.write(`Run '${found.command.path} --help' for usage.\n`);
    exitWithError(io, ExitCode.Error, found.error);
  }
  const command = found.command;
  const flags = command.flagSet();
  let positional: string[];
  try {
    positional = flags.parse(found.rest);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.stderr.write(`Error: ${err.message}\n`);
    io.stdout.write(renderEtcdUsage(command));
    io.stderr.write('\n');
    exitWithError(io, ExitCode.Error, err.message);
  }
  if (flags.bool('help') || !command.spec.run) {
    io.stdout.write(renderEtcdUsage(command));
    return;
  }
  await command.spec.run({
    command,
    args: positional,
    flags,
    inheritedFlagNames: command.inheritedFlags().map((f) => f.name),
    io,
  });
}

/** cobra's built-in `help [command]`. */
export const HELP_COMMAND: CommandSpec = {
  use: 'help [command]',
  short: 'Show how to use a command',
  long: 'Prints the usage of the command that the arguments name, such as `help member add`;\nwithout arguments, the usage of the whole tool.',
  run: async ({ command, args, io }) => {
    const found = findCommand(command.root, args);
    if (found.error !== undefined) {
      // cobra prints this with Printf, which goes to stderr; %#q back-quotes each word.
      io.stderr.write(`Unknown help topic [${args.map((a) => '`' + a + '`').join(' ')}]\n`);
      io.stdout.write(renderEtcdUsage(command.root));
      return;
    }
    io.stdout.write(renderEtcdUsage(found.command));
  },
};

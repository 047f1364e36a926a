/**
 * Help text: etcdctl's usage template (NAME / USAGE / VERSION / API VERSION / COMMANDS /
 * DESCRIPTION / OPTIONS / GLOBAL OPTIONS, aligned by a Go tabwriter), and cobra's default template
 * that the sub-parsers of `txn` print on a bad request line.
 */
import { etcdFlagUsages, pflagUsages } from './flags.js';
import type { Command } from './command.js';
import { tabwrite } from '../gocompat/tabwriter.js';

export const ETCDCTL_VERSION = '3.4.23';
export const API_VERSION = '3.4';

function useLine(command: Command): string {
  const line = command.parent ? `${command.parent.path} ${command.spec.use}` : command.spec.use;
  return line.includes('[flags]') ? line : `${line} [flags]`;
}

/** The command's path below `ancestor`: "member add" under the root. */
function nameBelow(command: Command, ancestor: Command): string {
  const parts = [command.name];
  for (let c = command; c.parent && c.parent.name !== ancestor.name; c = c.parent) parts.unshift(c.parent.name);
  return parts.join(' ');
}

function visibleSubcommands(command: Command): Command[] {
  const out: Command[] = [];
  for (const child of command.sortedChildren()) {
    if (child.spec.hidden) continue;
    out.push(child, ...visibleSubcommands(child));
  }
  return out;
}

function sortByName<T extends { name: string }>(defs: T[]): T[] {
  return [...defs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** etcdctl's usage text for `command`, as `--help` and flag errors print it on stdout. */
export function renderEtcdUsage(command: Command): string {
  let text = 'NAME:\n';
  text += `\t${command.parent ? nameBelow(command, command.root) : command.name} - ${command.spec.short}\n`;
  text += `\nUSAGE:\n\t${useLine(command)}\n`;
  if (!command.parent) text += `\nVERSION:\n\t${ETCDCTL_VERSION}\n`;
  if (command.children.length > 0) {
    text += `\nAPI VERSION:\n\t${API_VERSION}\n`;
    text += '\n\nCOMMANDS:\n';
    for (const sub of visibleSubcommands(command)) {
      if (sub.runnable) text += `\t${nameBelow(sub, command)}\t${sub.spec.short}\n`;
    }
  }
  if (command.spec.long) {
    text += '\nDESCRIPTION:\n';
    for (const line of command.spec.long.replace(/^[\n\t ]+|[\n\t ]+$/g, '').split('\n')) text += `\t${line}\n`;
  }
  text += '\nOPTIONS:\n' + etcdFlagUsages(sortByName(command.localFlags()));
  const inherited = command.inheritedFlags();
  if (inherited.length > 0) text += '\nGLOBAL OPTIONS:\n' + etcdFlagUsages(sortByName(inherited));
  return tabwrite(text + '\n');
}

/** cobra's default usage for a command under a nameless root (txn's request-line parser). */
export function renderCobraUsage(command: Command): string {
  return `Usage:\n   ${command.spec.use} [flags]\n\nFlags:\n${pflagUsages(sortByName(command.localFlags()))}\n`;
}

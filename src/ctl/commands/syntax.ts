/**
 * The flags and argument syntax that more than one part of tetcdctl reads: etcdctl's global
 * flags, and put/get/del, whose syntax txn's request lines share. Names, defaults and usage lines
 * are etcdctl's; the descriptions are ours.
 */
import { type FlagDef, boolFlag, durationFlag, int64Flag, stringFlag } from '../cli/flags.js';

export const GLOBAL_FLAGS: readonly FlagDef[] = [
  { name: 'endpoints', type: 'stringSlice', defValue: '[127.0.0.1:2379]', usage: 'servers to talk to, as host:port or URLs, comma separated' },
  boolFlag('debug', 'print the effective value of every global flag first'),
  stringFlag('write-out', 'simple', 'how to print results: simple, json, fields, protobuf or table', 'w'),
  boolFlag('hex', 'show keys and values in hexadecimal'),
  durationFlag('dial-timeout', '2s', 'how long to wait for a connection'),
  durationFlag('command-timeout', '5s', 'how long a request may take once connected'),
  durationFlag('keepalive-time', '2s', 'idle time before the client pings the server'),
  durationFlag('keepalive-timeout', '6s', 'how long to wait for a ping answer before giving up the connection'),
  boolFlag('insecure-transport', 'use plain TCP unless a TLS file is given (TLS is not supported yet)', true),
  boolFlag('insecure-discovery', 'trust plain http:// endpoints found by DNS discovery', true),
  boolFlag('insecure-skip-tls-verify', 'do not check the server certificate, for test setups (TLS is not supported yet)'),
  stringFlag('cert', '', 'client certificate file for TLS (not supported yet)'),
  stringFlag('key', '', 'private key file of the client certificate (TLS is not supported yet)'),
  stringFlag('cacert', '', 'CA bundle that server certificates must chain to (TLS is not supported yet)'),
  stringFlag('user', '', 'log in as this user; name:password also carries the password'),
  stringFlag('password', '', 'password for --user, which then holds only the name'),
  stringFlag('discovery-srv', '', 'find the endpoints in the SRV records of this domain (not supported yet)', 'd'),
  stringFlag('discovery-srv-name', '', 'service name added to the SRV lookup'),
];

export const PUT_FLAGS: readonly FlagDef[] = [
  stringFlag('lease', '0', 'bind the key to this lease (ID in hex)'),
  boolFlag('prev-kv', 'also print the key-value pair this put replaced'),
  boolFlag('ignore-value', 'keep the current value (e.g. to change only the lease)'),
  boolFlag('ignore-lease', 'keep the current lease (change only the value)'),
];

export const GET_FLAGS: readonly FlagDef[] = [
  stringFlag('consistency', 'l', 'l: linearizable read through the leader; s: serializable read of the local member'),
  stringFlag('order', '', 'sort direction, ASCEND or DESCEND (ascending if left out)'),
  stringFlag('sort-by', '', 'sort by CREATE, KEY, MODIFY, VALUE or VERSION'),
  int64Flag('limit', 'return at most this many keys (0: all of them)'),
  boolFlag('prefix', 'read every key that starts with <key>'),
  boolFlag('from-key', 'read every key from <key> on, in byte order'),
  int64Flag('rev', 'read the keys as they were at this revision'),
  boolFlag('keys-only', 'leave the values out'),
  boolFlag('print-value-only', 'print the values without their keys (simple output only)'),
];

export const DEL_FLAGS: readonly FlagDef[] = [
  boolFlag('prefix', 'delete every key that starts with <key>'),
  boolFlag('prev-kv', 'also print the deleted key-value pairs'),
  boolFlag('from-key', 'delete every key from <key> on, in byte order'),
];

export const PUT_USE = 'put [options] <key> <value> (<value> can also be given from stdin)';
export const GET_USE = 'get [options] <key> [range_end]';
export const DEL_USE = 'del [options] <key> [range_end]';

/**
 * etcd's daemon flags, with etcd's names, defaults and ETCD_* environment variables, so that an
 * etcd command line or Procfile works with the binary name changed.
 *
 * Flags tetcd does not act on yet are still accepted (an etcd command line must not fail on them)
 * but a non-default value is logged as ignored; anything else is refused.
 */
import { Command, Option, InvalidArgumentError } from 'commander';

type FlagKind = 'string' | 'int' | 'bool' | 'urls';

interface FlagSpec {
  name: string;
  kind: FlagKind;
  default: string;
  help: string;
  /** true: tetcd implements it; false: accepted for compatibility, ignored. */
  implemented: boolean;
}

const spec = (name: string, kind: FlagKind, dflt: string, help: string, implemented = true): FlagSpec => ({
  name,
  kind,
  default: dflt,
  help,
  implemented,
});

export const FLAGS: readonly FlagSpec[] = [
  spec('name', 'string', 'default', 'Human-readable name for this member.'),
  spec('data-dir', 'string', '', 'Path to the data directory (default "${name}.etcd").'),
  spec('wal-dir', 'string', '', 'Path to the dedicated wal directory.'),
  spec('snapshot-count', 'int', '100000', 'Number of committed transactions to trigger a snapshot to disk.'),
  spec('heartbeat-interval', 'int', '100', 'Time (in milliseconds) of a heartbeat interval.'),
  spec('election-timeout', 'int', '1000', 'Time (in milliseconds) for an election to timeout.'),
  spec('listen-peer-urls', 'urls', 'http://localhost:2380', 'List of URLs to listen on for peer traffic.'),
  spec('listen-client-urls', 'urls', 'http://localhost:2379', 'List of URLs to listen on for client traffic.'),
  spec('initial-advertise-peer-urls', 'urls', 'http://localhost:2380', "List of this member's peer URLs to advertise to the rest of the cluster."),
  spec('initial-cluster', 'string', 'default=http://localhost:2380', 'Initial cluster configuration for bootstrapping.'),
  spec('initial-cluster-state', 'string', 'new', "Initial cluster state ('new' or 'existing')."),
  spec('initial-cluster-token', 'string', 'etcd-cluster', 'Initial cluster token for the etcd cluster during bootstrap.'),
  spec('advertise-client-urls', 'urls', 'http://localhost:2379', "List of this member's client URLs to advertise to the public."),
  spec('max-txn-ops', 'int', '128', 'Maximum number of operations permitted in a transaction.'),
  spec('max-request-bytes', 'int', '1572864', 'Maximum client request size in bytes the server will accept.'),
  spec('log-level', 'string', 'info', "Configures log level. Only supports debug, info, warn, error, panic, or fatal."),
  spec('logger', 'string', 'zap', "Currently only supports 'zap' for structured logging."),
  spec('log-outputs', 'string', 'default', "Specify 'stdout' or 'stderr' to skip journald logging even when running under systemd."),
  spec('enable-pprof', 'bool', 'false', 'Enable runtime profiling data via HTTP server (accepted; tetcd serves no pprof).', false),
  spec('experimental-snapshot-catchup-entries', 'int', '5000', 'Number of entries for a slow follower to catch up after compacting the raft storage entries.'),
  spec('max-snapshots', 'int', '5', 'Maximum number of snapshot files to retain (0 is unlimited).'),
  spec('max-wals', 'int', '5', 'Maximum number of wal files to retain (0 is unlimited).', false),
  spec('quota-backend-bytes', 'int', '0', 'Raise alarms when backend size exceeds the given quota (0 defaults to low space quota).', false),
  spec('initial-election-tick-advance', 'bool', 'true', 'Whether to fast-forward initial election ticks on boot for faster election.', false),
  spec('backend-batch-interval', 'string', '', 'BackendBatchInterval is the maximum time before commit the backend transaction.', false),
  spec('backend-batch-limit', 'int', '0', 'BackendBatchLimit is the maximum operations before commit the backend transaction.', false),
  spec('max-concurrent-streams', 'string', 'math.MaxUint32', 'Maximum concurrent streams that each client can open at a time.', false),
  spec('grpc-keepalive-min-time', 'string', '5s', 'Minimum interval duration that a client should wait before pinging server.', false),
  spec('grpc-keepalive-interval', 'string', '2h', 'Frequency duration of server-to-client ping to check if a connection is alive.', false),
  spec('grpc-keepalive-timeout', 'string', '20s', 'Additional duration of wait before closing a non-responsive connection.', false),
  spec('strict-reconfig-check', 'bool', 'true', 'Reject reconfiguration requests that would cause quorum loss.', false),
  spec('pre-vote', 'bool', 'false', 'Enable to run an additional Raft election phase.', false),
  spec('auto-compaction-retention', 'string', '0', 'Auto compaction retention for mvcc key value store.', false),
  spec('auto-compaction-mode', 'string', 'periodic', "Interpret 'auto-compaction-retention' one of: periodic|revision.", false),
  spec('enable-v2', 'bool', 'false', 'Accept etcd V2 client requests (not supported by tetcd).', false),
  spec('metrics', 'string', 'basic', "Set level of detail for exported metrics, specify 'extensive' to include server side grpc histogram metrics.", false),
  spec('listen-metrics-urls', 'string', '', 'List of URLs to listen on for the metrics and health endpoints.', false),
  spec('auth-token', 'string', 'simple', 'Specify auth token type and its options.', false),
  spec('bcrypt-cost', 'int', '10', 'Specify bcrypt algorithm cost factor for auth password hashing.', false),
  spec('auth-token-ttl', 'int', '300', 'The lifetime in seconds of the auth token.', false),
  spec('cors', 'string', '*', 'Comma-separated white list of origins for CORS, or cross-origin resource sharing.', false),
  spec('host-whitelist', 'string', '*', 'Comma-separated acceptable hostnames from HTTP client requests.', false),
  spec('experimental-initial-corrupt-check', 'bool', 'false', 'Enable to check data corruption before serving any client/peer traffic.', false),
  spec('experimental-corrupt-check-time', 'string', '0s', 'Duration of time between cluster corruption check passes.', false),
  spec('experimental-enable-lease-checkpoint', 'bool', 'false', 'Enable to persist lease remaining TTL to prevent indefinite auto-renewal of long lived leases.', false),
  spec('experimental-compaction-batch-limit', 'int', '1000', 'Sets the maximum revisions deleted in each compaction batch.', false),
  spec('experimental-watch-progress-notify-interval', 'string', '10m', 'Duration of periodic watch progress notifications.', false),
  spec('experimental-warning-apply-duration', 'string', '100ms', 'Time duration after which a warning is generated if request takes more time.', false),
  spec('force-new-cluster', 'bool', 'false', 'Force to create a new one member cluster.', false),
  spec('debug', 'bool', 'false', 'Enable debug-level logging for etcd.', false),
  // TLS flags: accepted so that etcd command lines parse; TLS itself arrives with its own issue.
  spec('cert-file', 'string', '', 'Path to the client server TLS cert file.', false),
  spec('key-file', 'string', '', 'Path to the client server TLS key file.', false),
  spec('client-cert-auth', 'bool', 'false', 'Enable client cert authentication.', false),
  spec('client-crl-file', 'string', '', 'Path to the client certificate revocation list file.', false),
  spec('trusted-ca-file', 'string', '', 'Path to the client server TLS trusted CA cert file.', false),
  spec('auto-tls', 'bool', 'false', 'Client TLS using generated certificates.', false),
  spec('peer-cert-file', 'string', '', 'Path to the peer server TLS cert file.', false),
  spec('peer-key-file', 'string', '', 'Path to the peer server TLS key file.', false),
  spec('peer-client-cert-auth', 'bool', 'false', 'Enable peer client cert authentication.', false),
  spec('peer-trusted-ca-file', 'string', '', 'Path to the peer server TLS trusted CA file.', false),
  spec('peer-auto-tls', 'bool', 'false', 'Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided.', false),
  spec('cipher-suites', 'string', '', 'Comma-separated list of supported TLS cipher suites between client/server and peers.', false),
];

export type FlagValues = Record<string, string>;

export interface ParsedFlags {
  values: FlagValues;
  /** Flags set (by argument or environment) that tetcd does not act on. */
  ignored: string[];
  /** ETCD_* variables that name no flag. */
  unknownEnv: string[];
}

function envName(flag: string): string {
  return 'ETCD_' + flag.toUpperCase().replace(/-/g, '_');
}

function validate(f: FlagSpec, raw: string): string {
  switch (f.kind) {
    case 'int':
      if (!/^-?\d+$/.test(raw)) throw new InvalidArgumentError(`invalid value "${raw}" for flag --${f.name}: not an integer`);
      return raw;
    case 'bool':
      if (!/^(true|false|1|0|t|f|TRUE|FALSE|True|False)$/.test(raw)) {
        throw new InvalidArgumentError(`invalid boolean value "${raw}" for flag --${f.name}`);
      }
      return /^(true|1|t|TRUE|True)$/.test(raw) ? 'true' : 'false';
    case 'urls':
      for (const u of raw.split(',')) {
        let url: URL;
        try {
          url = new URL(u);
        } catch {
          throw new InvalidArgumentError(`invalid value "${raw}" for flag --${f.name}: parse "${u}": invalid URL`);
        }
        if (!['http:', 'https:', 'unix:', 'unixs:'].includes(url.protocol)) {
          throw new InvalidArgumentError(`invalid value "${raw}" for flag --${f.name}: URL scheme must be http, https, unix, or unixs: ${u}`);
        }
        if (url.pathname !== '/' && url.pathname !== '' && url.protocol.startsWith('http')) {
          throw new InvalidArgumentError(`invalid value "${raw}" for flag --${f.name}: URL must not contain a path: ${u}`);
        }
      }
      return raw;
    default:
      return raw;
  }
}

/** Go's flag package takes "-name" as well as "--name"; commander only the latter. */
function normalizeSingleDash(argv: string[]): string[] {
  const known = new Set(FLAGS.map((f) => f.name));
  return argv.map((a) => {
    const m = /^-([a-z][a-z0-9-]*)(=.*)?$/.exec(a);
    return m && known.has(m[1]!) ? `-${a}` : a;
  });
}

export function parseFlags(argv: string[], env: NodeJS.ProcessEnv, version: string): ParsedFlags {
  const program = new Command('tetcd')
    .description('tetcd: an etcd-compatible key-value server')
    .version(version, '--version', 'Print the version and exit.')
    .allowExcessArguments(false)
    .showHelpAfterError(false)
    .configureOutput({ outputError: (str, write) => write(str) });
  for (const f of FLAGS) {
    const opt =
      f.kind === 'bool'
        ? new Option(`--${f.name} [bool]`, f.help).argParser((v: string) => validate(f, v))
        : new Option(`--${f.name} <value>`, f.help).argParser((v: string) => validate(f, v));
    program.addOption(opt);
  }
  program.exitOverride();
  program.parse(normalizeSingleDash(argv), { from: 'user' });
  const opts = program.opts<Record<string, string | boolean | undefined>>();

  const values: FlagValues = {};
  const ignored: string[] = [];
  const known = new Set<string>();
  for (const f of FLAGS) {
    const key = camel(f.name);
    const env_ = envName(f.name);
    known.add(env_);
    let v = opts[key];
    if (v === true) v = 'true';
    const fromEnv = env[env_];
    if (v !== undefined && fromEnv !== undefined) {
      throw new InvalidArgumentError(
        `conflicting environment variable "${env_}" is shadowed by corresponding command-line flag (either unset environment variable or disable flag)`,
      );
    }
    if (v === undefined && fromEnv !== undefined) v = validate(f, fromEnv);
    const value = v === undefined ? f.default : String(v);
    values[f.name] = value;
    if (!f.implemented && v !== undefined && value !== f.default) ignored.push(f.name);
  }
  const unknownEnv = Object.keys(env).filter(
    (k) => k.startsWith('ETCD_') && !known.has(k) && !['ETCD_UNSUPPORTED_ARCH'].includes(k),
  );
  return { values, ignored, unknownEnv };
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

#!/usr/bin/env node
// A small Procfile runner with goreman's command line, for machines without goreman:
//
//   node scripts/procfile-runner.mjs [-f Procfile] start          run every entry, prefix their output
//   node scripts/procfile-runner.mjs run stop|start|restart NAME  control a running `start`
//   node scripts/procfile-runner.mjs run list|status              what `start` runs, and which are up
//
// Like goreman, `start` listens for `run` commands on 127.0.0.1:8555 (GOREMAN_RPC_PORT or -p to
// change), runs each entry with /bin/sh -c in its own process group, and stops a process by
// signalling its group (SIGTERM, then SIGKILL after 10 s). Ctrl-C stops everything.
//
// Written here because the npm Procfile runners (foreman) cannot stop or restart one process of a
// running set, which the Procfile story needs.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';

const STOP_GRACE_MS = 10_000;
const COLORS = [32, 36, 35, 33, 34, 31];

function usage(code) {
  process.stderr.write(
    'usage: procfile-runner [-f Procfile] [-p port] start\n' +
      '       procfile-runner [-p port] run stop|start|restart NAME\n' +
      '       procfile-runner [-p port] run list|status\n',
  );
  process.exit(code);
}

function parseArgs(argv) {
  const opts = { procfile: 'Procfile', port: Number(process.env.GOREMAN_RPC_PORT ?? 8555), rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-f') opts.procfile = argv[++i];
    else if (a === '-p') opts.port = Number(argv[++i]);
    else if (a === '-h' || a === '--help') usage(0);
    else opts.rest.push(a);
  }
  if (!Number.isInteger(opts.port) || opts.port <= 0) usage(2);
  return opts;
}

/** Procfile lines: `name: command`; blank lines and # comments are skipped. */
function readProcfile(path) {
  const entries = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^([A-Za-z0-9_-]+):\s*(.+)$/.exec(line);
    if (!m) throw new Error(`${path}: cannot parse line: ${line}`);
    entries.push({ name: m[1], command: m[2] });
  }
  if (entries.length === 0) throw new Error(`${path}: no entries`);
  return entries;
}

function start(opts) {
  const entries = readProcfile(opts.procfile);
  const width = Math.max(...entries.map((e) => e.name.length));
  const procs = new Map(entries.map((e, i) => [e.name, { ...e, color: COLORS[i % COLORS.length], child: undefined, stopping: undefined }]));
  const color = process.stdout.isTTY;

  const out = (p, text) => {
    const time = new Date().toTimeString().slice(0, 8);
    const label = p.name.padEnd(width);
    const prefix = color ? `\x1b[${p.color}m${time} ${label} |\x1b[0m ` : `${time} ${label} | `;
    for (const line of text.split('\n')) if (line.length > 0) process.stdout.write(prefix + line + '\n');
  };

  const pipeLines = (p, stream) => {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      const nl = buf.lastIndexOf('\n');
      if (nl >= 0) {
        out(p, buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    stream.on('end', () => buf && out(p, buf));
  };

  const launch = (p) => {
    if (p.child) return false;
    const child = spawn('/bin/sh', ['-c', p.command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    p.child = child;
    out(p, `Starting ${p.name} on pid ${child.pid}`);
    pipeLines(p, child.stdout);
    pipeLines(p, child.stderr);
    child.on('exit', (code, signal) => {
      out(p, `Terminating ${p.name} (${signal ?? `exit ${code}`})`);
      p.child = undefined;
      p.stopping?.resolve();
      p.stopping = undefined;
    });
    return true;
  };

  const stop = (p) => {
    if (!p.child) return Promise.resolve(false);
    if (!p.stopping) {
      let resolve;
      const done = new Promise((r) => (resolve = r));
      p.stopping = { resolve, done };
      const pid = p.child.pid;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, STOP_GRACE_MS);
      done.then(() => clearTimeout(timer));
    }
    return p.stopping.done.then(() => true);
  };

  const control = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const [verb, name] = body.trim().split(/\s+/);
      const reply = (code, text) => {
        res.writeHead(code, { 'content-type': 'text/plain' });
        res.end(text.endsWith('\n') || text === '' ? text : text + '\n');
      };
      if (verb === 'list') return reply(200, [...procs.keys()].join('\n'));
      if (verb === 'status') return reply(200, [...procs.values()].map((p) => `${p.child ? '*' : ' '}${p.name}`).join('\n'));
      const p = procs.get(name);
      if (!p) return reply(404, `unknown process: ${name}`);
      if (verb === 'stop') return reply(200, (await stop(p)) ? '' : `${name} is not running`);
      if (verb === 'start') return reply(200, launch(p) ? '' : `${name} is already running`);
      if (verb === 'restart') {
        await stop(p);
        launch(p);
        return reply(200, '');
      }
      reply(400, `unknown command: ${verb}`);
    });
  });
  control.on('error', (err) => {
    process.stderr.write(`procfile-runner: cannot listen on 127.0.0.1:${opts.port}: ${err.message}\n`);
    process.exit(1);
  });
  control.listen(opts.port, '127.0.0.1', () => {
    for (const p of procs.values()) launch(p);
  });

  let shuttingDown = false;
  const shutdown = async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    control.close();
    await Promise.all([...procs.values()].map(stop));
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  process.on('SIGHUP', shutdown);
}

function run(opts, args) {
  if (args.length === 0) usage(2);
  const body = args.join(' ');
  const req = request({ host: '127.0.0.1', port: opts.port, method: 'POST', path: '/' }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => {
      process.stdout.write(text);
      process.exit(res.statusCode === 200 ? 0 : 1);
    });
  });
  req.on('error', (err) => {
    process.stderr.write(`procfile-runner: no runner listening on 127.0.0.1:${opts.port} (${err.message})\n`);
    process.exit(1);
  });
  req.end(body);
}

const opts = parseArgs(process.argv.slice(2));
const [command, ...args] = opts.rest;
if (command === 'start' && args.length === 0) start(opts);
else if (command === 'run') run(opts, args);
else usage(2);

/**
 * What a tetcdctl run talks to: output streams that take raw bytes (keys and values are arbitrary
 * bytes), stdin, the environment and the clock. Tests drive runs in-process through this; the
 * binary wires it to the real process.
 */

export interface Output {
  write(chunk: string | Uint8Array): void;
}

export interface Input {
  /** Everything until end of input. */
  readAll(): Promise<Buffer>;
  /** The next line including its '\n', or what is left before end of input ('' at the end). */
  readLine(): Promise<{ line: Buffer; eof: boolean }>;
}

export interface CtlIO {
  stdout: Output;
  stderr: Output;
  stdin: Input;
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
}

/** etcdctl's exit codes (command/error.go). */
export const ExitCode = {
  Success: 0,
  Error: 1,
  BadConnection: 2,
  InvalidInput: 3,
  BadFeature: 4,
  Interrupted: 5,
  IO: 6,
  BadArgs: 128,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Unwinds a run to its end with an exit status (etcdctl calls os.Exit at these points). */
export class CtlExit extends Error {
  override name = 'CtlExit';
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** etcdctl's ExitWithError: "Error: <message>" on stderr, then exit. */
export function exitWithError(io: CtlIO, code: ExitCode, message: string | Uint8Array): never {
  io.stderr.write('Error: ');
  io.stderr.write(message);
  io.stderr.write('\n');
  throw new CtlExit(code);
}

/**
 * Where etcdctl crashes with a Go panic (a nil response header, a malformed txn compare), tetcdctl
 * stops the same way: the panic line on stderr and Go's exit status 2. No stack trace follows.
 */
export function goPanic(io: CtlIO, message: string): never {
  io.stderr.write(`panic: ${message}\n\ngoroutine 1 [running]:\n`);
  throw new CtlExit(2);
}

/** An Input over a byte source that is read lazily, so interactive prompts come before reads. */
export class StreamInput implements Input {
  private buffered = Buffer.alloc(0);
  private ended = false;
  private waiting: (() => void) | undefined;
  private started = false;

  /** Nothing is read until the first read call: an untouched TTY must not keep the process alive. */
  constructor(private readonly stream: NodeJS.ReadableStream) {}

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.stream.on('data', (chunk: Buffer | string) => {
      this.buffered = Buffer.concat([this.buffered, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]);
      this.wake();
    });
    const finish = (): void => {
      this.ended = true;
      this.wake();
    };
    this.stream.on('end', finish);
    this.stream.on('error', finish);
  }

  /** Stops reading, so a run that is done does not wait for more input. */
  close(): void {
    if (this.started) this.stream.pause();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  private async until(ready: () => boolean): Promise<void> {
    this.start();
    while (!ready() && !this.ended) await new Promise<void>((resolve) => (this.waiting = resolve));
  }

  async readAll(): Promise<Buffer> {
    await this.until(() => false);
    const all = this.buffered;
    this.buffered = Buffer.alloc(0);
    return all;
  }

  async readLine(): Promise<{ line: Buffer; eof: boolean }> {
    await this.until(() => this.buffered.includes(0x0a));
    const nl = this.buffered.indexOf(0x0a);
    const end = nl < 0 ? this.buffered.length : nl + 1;
    const line = this.buffered.subarray(0, end);
    this.buffered = this.buffered.subarray(end);
    return { line, eof: nl < 0 };
  }
}

/** An Input over bytes known up front. */
export class BufferInput implements Input {
  private rest: Buffer;

  constructor(data: Buffer | string) {
    this.rest = Buffer.from(data);
  }

  async readAll(): Promise<Buffer> {
    const all = this.rest;
    this.rest = Buffer.alloc(0);
    return all;
  }

  async readLine(): Promise<{ line: Buffer; eof: boolean }> {
    const nl = this.rest.indexOf(0x0a);
    const end = nl < 0 ? this.rest.length : nl + 1;
    const line = this.rest.subarray(0, end);
    this.rest = this.rest.subarray(end);
    return { line, eof: nl < 0 };
  }
}

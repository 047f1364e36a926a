/**
 * Go's time.Duration text form (flag values such as `--dial-timeout=2s`, and `took = 1.2ms` in
 * `endpoint health`), and the timestamps of the two loggers etcdctl's libraries write to stderr.
 * Durations are bigint nanoseconds, as in Go.
 */
import { quote } from './strconv.js';

const NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_ABS = 1n << 63n;

export class DurationError extends Error {
  override name = 'DurationError';
}

/** time.ParseDuration, with Go's error messages. */
export function parseDuration(text: string): bigint {
  const invalid = (): DurationError => new DurationError(`time: invalid duration ${quote(text)}`);
  let s = text;
  let negative = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!/^[0-9.]/.test(s)) throw invalid();
    const intPart = /^[0-9]*/.exec(s)![0];
    s = s.slice(intPart.length);
    let fracPart = '';
    let hadDot = false;
    if (s[0] === '.') {
      hadDot = true;
      s = s.slice(1);
      fracPart = /^[0-9]*/.exec(s)![0];
      s = s.slice(fracPart.length);
    }
    if (intPart === '' && fracPart === '') throw invalid();
    const unitText = /^[^0-9.]*/.exec(s)![0];
    if (unitText === '') throw new DurationError(`time: missing unit in duration ${quote(text)}`);
    s = s.slice(unitText.length);
    const unit = NS[unitText];
    if (unit === undefined) throw new DurationError(`time: unknown unit ${quote(unitText)} in duration ${quote(text)}`);
    let v = intPart === '' ? 0n : BigInt(intPart);
    if (v > MAX_ABS / unit) throw invalid();
    v *= unit;
    if (hadDot && /[1-9]/.test(fracPart)) {
      // Go scales the fraction through a float64; at most 3.6e12 ns per unit, so a double is exact enough.
      const digits = fracPart.slice(0, 18);
      v += BigInt(Math.floor(Number(digits) * (Number(unit) / 10 ** digits.length)));
      if (v > MAX_ABS) throw invalid();
    }
    total += v;
    if (total > MAX_ABS) throw invalid();
  }
  if (!negative && total > MAX_ABS - 1n) throw invalid();
  return negative ? -total : total;
}

function fraction(v: bigint, precision: number): { text: string; rest: bigint } {
  let text = '';
  let printing = false;
  for (let i = 0; i < precision; i++) {
    const digit = v % 10n;
    printing = printing || digit !== 0n;
    if (printing) text = digit.toString() + text;
    v /= 10n;
  }
  return { text: printing ? '.' + text : '', rest: v };
}

/** time.Duration.String: "1.5s", "2m3s", "965.501µs", "0s". */
export function formatDuration(ns: bigint): string {
  const negative = ns < 0n;
  let u = negative ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let unit: string;
    let precision: number;
    if (u < 1_000n) {
      unit = 'ns';
      precision = 0;
    } else if (u < 1_000_000n) {
      unit = 'µs';
      precision = 3;
    } else {
      unit = 'ms';
      precision = 6;
    }
    const f = fraction(u, precision);
    out = f.rest.toString() + f.text + unit;
  } else {
    const f = fraction(u, 9);
    u = f.rest;
    out = (u % 60n).toString() + f.text + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return negative ? '-' + out : out;
}

export function durationToMs(ns: bigint): number {
  return Number(ns / 1_000_000n);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function zoneOffset(d: Date, separator: string): string {
  const minutes = -d.getTimezoneOffset();
  if (minutes === 0) return 'Z';
  const sign = minutes > 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return sign + pad(Math.floor(abs / 60)) + separator + pad(abs % 60);
}

function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function localClock(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** zap's ISO8601 encoder, as clientv3's warnings carry it: 2006-01-02T15:04:05.000Z0700. */
export function zapTimestamp(d: Date): string {
  return `${localDate(d)}T${localClock(d)}.${pad(d.getMilliseconds(), 3)}${zoneOffset(d, '')}`;
}

/** capnslog's prefix time, as pkg/flags warnings carry it: 2006-01-02 15:04:05.000000. */
export function capnslogTimestamp(d: Date): string {
  return `${localDate(d)} ${localClock(d)}.${pad(d.getMilliseconds(), 3)}000`;
}

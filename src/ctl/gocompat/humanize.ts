/** go-humanize's Bytes (SI units), as etcdctl shows the db size: "20 kB", "1.5 MB". */

const SIZES = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Go's %.0f: round to nearest, ties to even (the value here has at most one decimal). */
function formatNoDecimals(v: number): string {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return String(floor + 1);
  if (diff < 0.5) return String(floor);
  return String(floor % 2 === 0 ? floor : floor + 1);
}

export function humanizeBytes(bytes: bigint): string {
  if (bytes < 10n) return `${bytes} B`;
  const s = Number(bytes);
  const e = Math.floor(Math.log(s) / Math.log(1000));
  const suffix = SIZES[e]!;
  const value = Math.floor((s / 1000 ** e) * 10 + 0.5) / 10;
  return value < 10 ? `${value.toFixed(1)} ${suffix}` : `${formatNoDecimals(value)} ${suffix}`;
}

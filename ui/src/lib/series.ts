// Shaping usage rows and log records into chart series (pure; tested).

export interface DayRow {
  day: string; // YYYY-MM-DD
  service: string;
  config: string;
  upstream: string;
  requests: number;
  total_tokens: number;
}

export interface DailySeries {
  /** Every day from `from` to `to`, inclusive, as YYYY-MM-DD. */
  days: string[];
  /** One entry per (service, upstream), in first-seen order. */
  lines: { label: string; service: string; upstream: string; requests: number[]; tokens: number[] }[];
}

/** YYYY-MM-DD for every day from `from` to `to` inclusive (at most 400). */
export function dayRange(from: string, to: string): string[] {
  const out: string[] = [];
  const start = Date.UTC(+from.slice(0, 4), +from.slice(5, 7) - 1, +from.slice(8, 10));
  const end = Date.UTC(+to.slice(0, 4), +to.slice(5, 7) - 1, +to.slice(8, 10));
  if (!Number.isFinite(start) || !Number.isFinite(end)) return out;
  for (let t = start; t <= end && out.length < 400; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** Per-upstream daily requests and tokens; rows without an upstream count as "(none)". */
export function dailySeries(rows: DayRow[], from: string, to: string): DailySeries {
  const days = dayRange(from, to);
  for (const r of rows) if (!days.includes(r.day)) days.push(r.day);
  days.sort();
  const index = new Map(days.map((d, i) => [d, i]));
  const lines: DailySeries["lines"] = [];
  const byKey = new Map<string, DailySeries["lines"][number]>();
  for (const r of rows) {
    const upstream = r.upstream || "(none)";
    const key = `${r.service}\u0000${upstream}`;
    let line = byKey.get(key);
    if (!line) {
      line = {
        label: `${r.service} · ${upstream}`,
        service: r.service,
        upstream,
        requests: days.map(() => 0),
        tokens: days.map(() => 0),
      };
      byKey.set(key, line);
      lines.push(line);
    }
    const i = index.get(r.day)!;
    line.requests[i] += r.requests;
    line.tokens[i] += r.total_tokens;
  }
  return { days, lines };
}

/**
 * Requests per minute over the last `minutes` minutes ending at `now`:
 * `x` are the minute starts in seconds (uPlot's time unit), `y` the counts.
 */
export function perMinute(timestamps: number[], now: number, minutes = 30): { x: number[]; y: number[] } {
  const end = Math.floor(now / 60_000) * 60_000; // start of the current minute
  const first = end - (minutes - 1) * 60_000;
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < minutes; i++) {
    x.push((first + i * 60_000) / 1000);
    y.push(0);
  }
  for (const ts of timestamps) {
    if (ts < first || ts >= end + 60_000) continue;
    y[Math.floor((ts - first) / 60_000)] += 1;
  }
  return { x, y };
}

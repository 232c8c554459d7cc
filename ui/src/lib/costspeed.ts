// Formatting and grouping for the cost panel (Usage) and the speed test
// (Configs): pure functions, unit-tested in costspeed.test.ts.

import type { ModelRow, SpeedResult, Summary } from "../bindings";

/** `$12.34`, `$0.0123`, `$0.000018`, `$0.00`: more decimals for small sums (as `ch usage`). */
export function formatCost(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "—";
  if (n === 0) return "$0.00";
  if (n >= 1) return `$${n.toFixed(2)}`;
  if (n >= 0.01) return `$${n.toFixed(4)}`;
  return `$${n.toFixed(6)}`;
}

/** Cost per model over the window, most expensive first ("" shown as "unknown model"). */
export function costByModel(models: ModelRow[]): { service: string; model: string; cost: number; requests: number; unpriced: number }[] {
  const out = new Map<string, { service: string; model: string; cost: number; requests: number; unpriced: number }>();
  for (const m of models) {
    const key = `${m.service}\u0000${m.model}`;
    const g = out.get(key) ?? { service: m.service, model: m.model || "unknown model", cost: 0, requests: 0, unpriced: 0 };
    g.cost += m.cost_usd ?? 0;
    g.requests += m.requests;
    g.unpriced += m.unpriced_requests ?? 0;
    out.set(key, g);
  }
  return [...out.values()].sort((a, b) => b.cost - a.cost || a.model.localeCompare(b.model));
}

/** Cost per day summed over every line of the chart series. */
export function costPerDay(s: Summary): { day: string; cost: number }[] {
  return s.series.days.map((day, i) => ({
    day,
    cost: s.series.lines.reduce((sum, l) => sum + (l.cost_usd?.[i] ?? 0), 0),
  }));
}

/** One line of a speed-test result, as the window and the tray show it. */
export function speedLine(r: SpeedResult): string {
  if (r.status !== "ok") return `${r.status}${r.error ? `: ${r.error}` : ""}`;
  const parts = [`TTFT ${r.ttft_ms ?? "—"} ms`];
  if (r.connect_ms != null) parts.unshift(`connect ${r.connect_ms} ms`);
  if (r.tokens_per_s != null) parts.push(`${r.tokens_per_s.toFixed(1)} tok/s`);
  return parts.join(" · ");
}

// Formatting and grouping for the cost panel (Usage) and the speed test
// (Configs): pure functions, unit-tested in costspeed.test.ts.

import type { ModelRow, SpeedResult, Summary } from "../bindings";
import { formatUsd } from "./format";
import { t, type Key } from "./i18n/index.svelte";

/** `$12.34`, `$0.0123`, `$0.000018`, `$0.00`: more decimals for small sums (as `ch usage`);
 * the currency written as the UI language does (`US$12.34` in zh-CN). */
export function formatCost(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "—";
  return formatUsd(n, n === 0 || n >= 1 ? 2 : n >= 0.01 ? 4 : 6);
}

/** Cost per model over the window, most expensive first ("" shown as "unknown model"). */
export function costByModel(models: ModelRow[]): { service: string; model: string; cost: number; requests: number; unpriced: number }[] {
  const out = new Map<string, { service: string; model: string; cost: number; requests: number; unpriced: number }>();
  for (const m of models) {
    const key = `${m.service}\u0000${m.model}`;
    const g = out.get(key) ?? { service: m.service, model: m.model || t("cost.unknownModel"), cost: 0, requests: 0, unpriced: 0 };
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

// Core's speed-test statuses (speedtest.rs); English shows them as they are.
const STATUS: Record<string, Key> = {
  bad_config: "speed.status.badConfig",
  timeout: "speed.status.timeout",
  unreachable: "speed.status.unreachable",
  stream_error: "speed.status.streamError",
  no_answer: "speed.status.noAnswer",
};

/** A speed-test status in the UI language (`http_503` → `HTTP 503` in zh-CN); unknown ones as sent. */
export function speedStatus(status: string): string {
  const http = /^http_(\d+)$/.exec(status);
  if (http) return t("speed.status.http", { code: http[1] });
  return STATUS[status] ? t(STATUS[status]) : status;
}

/** One line of a speed-test result, as the window and the tray show it.
 * The error detail comes from core and is shown as it is. */
export function speedLine(r: SpeedResult): string {
  if (r.status !== "ok") return r.error ? t("speed.failed", { status: speedStatus(r.status), error: r.error }) : speedStatus(r.status);
  const parts = [t("speed.ttft", { ms: r.ttft_ms ?? "—" })];
  if (r.connect_ms != null) parts.unshift(t("speed.connect", { ms: r.connect_ms }));
  if (r.tokens_per_s != null) parts.push(t("speed.rate", { rate: r.tokens_per_s.toFixed(1) }));
  return parts.join(" · ");
}

// Quota windows and quota sources as the window shows them: pure text and
// numbers (tested in quota.test.ts); the components only lay them out.

import type { FieldWindow, QuotaSource, QuotaState, QuotaWindow } from "../bindings";
import { formatCount, formatUsd } from "./format";
import { t, type Key } from "./i18n/index.svelte";

export type Badge = { cls: "ok" | "warn" | "bad" | "muted"; text: string };

/** The state badge of one upstream's quota answer. */
export function stateBadge(q: Pick<QuotaState, "state" | "exhausted" | "error">): Badge {
  const state = q.state ?? (q.error ? "unknown" : q.exhausted ? "exhausted" : q.exhausted === false ? "ok" : "unknown");
  switch (state) {
    case "ok": return { cls: "ok", text: t("quota.ok") };
    case "warning": return { cls: "warn", text: t("quota.warning") };
    case "exhausted": return { cls: "bad", text: t("quota.exhausted") };
    default: return { cls: "muted", text: t("quota.unknown") };
  }
}

/** Share of the window used, 0–100 (clamped), or null when unknown. */
export function usedPercent(w: QuotaWindow): number | null {
  let pct: number | null = null;
  if (w.remaining_pct != null) pct = 100 - w.remaining_pct;
  else if (w.used != null && w.limit != null && w.limit > 0) pct = (w.used / w.limit) * 100;
  return pct == null || !Number.isFinite(pct) ? null : Math.min(100, Math.max(0, pct));
}

/** The bar's colour class: warn from 80 % used, bad when (nearly) all used. */
export function barClass(w: QuotaWindow): "" | "warn" | "bad" {
  const pct = usedPercent(w);
  if (pct == null) return "";
  return pct >= 99.5 ? "bad" : pct >= 80 ? "warn" : "";
}

function amount(n: number, unit: string): string {
  if (unit === "usd") return formatUsd(n);
  return Number.isInteger(n) ? formatCount(n) : String(Math.round(n * 100) / 100);
}

/** `$31.40 / $50.00`, `1,200 / 5,000 requests`, `37% used`, `12 credits used`. */
export function windowAmount(w: QuotaWindow): string {
  const unit = w.unit ?? "";
  const suffix = unit && unit !== "usd" && unit !== "percent" ? ` ${unit}` : "";
  if (unit === "percent" || (w.used == null && w.limit == null)) {
    const pct = usedPercent(w);
    return pct == null ? t("quota.noNumbers") : t("quota.pctUsed", { pct: Math.round(pct) });
  }
  if (w.used != null && w.limit != null) return `${amount(w.used, unit)} / ${amount(w.limit, unit)}${suffix}`;
  if (w.used != null) return t("quota.usedNoLimit", { amount: `${amount(w.used, unit)}${suffix}` });
  return t("quota.limitOnly", { amount: `${amount(w.limit!, unit)}${suffix}` });
}

/** `resets in 2 h`, `resets in 5 min`, `resets in 3 d`; `resets now` once due; "" when unknown. */
export function resetsIn(atMs: number | null | undefined, now: number = Date.now()): string {
  if (atMs == null) return "";
  const s = (atMs - now) / 1000;
  if (s <= 30) return t("quota.resetsNow");
  if (s < 90 * 60) return t("quota.resetsMin", { n: Math.max(1, Math.round(s / 60)) });
  if (s < 36 * 3600) return t("quota.resetsH", { n: Math.round(s / 3600) });
  return t("quota.resetsD", { n: Math.round(s / 86400) });
}

/** `providers[2].user_id` → the source at index 2 and its field `user_id`; a bare `kind` → every source's. */
export function sourceField(field: string | null | undefined): { index: number | null; field: string } | null {
  if (!field) return null;
  const m = /^providers\[(\d+)\]\.?(.*)$/.exec(field);
  if (m) return { index: Number(m[1]), field: m[2] || "id" };
  return { index: null, field };
}

/** The source kinds the form offers, and their names in the catalogue. */
export const KIND_LABELS: Record<string, Key> = {
  budget_http_json: "qs.kind.budget",
  openai_billing: "qs.kind.openai",
  new_api_user: "qs.kind.newApi",
  json_fields: "qs.kind.json",
};

/** A source kind as the form names it (an unknown kind: its id). */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ? t(KIND_LABELS[kind]) : kind;
}

/** A new source of a kind, with the fields its form asks. */
export function blankSource(kind: string, id: string): QuotaSource {
  return {
    id, kind, domains: [], endpoint: "", token_env: null, poll_interval_secs: 60, timeout_secs: null,
    access_token: null, has_access_token: false, user_id: null, quota_per_unit: null,
    windows: kind === "json_fields" ? [blankWindow()] : [], covers: [],
  };
}

export function blankWindow(): FieldWindow {
  return { name: "", used: null, limit: null, remaining: null, used_percent: null, resets_at: null, resets_in: null, unit: null };
}

/** A free id (`source`, `source-2`…) among the ones taken. */
export function freeId(base: string, taken: string[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

/** Comma- or whitespace-separated domains as typed → the list saved. */
export function parseDomains(text: string): string[] {
  return text.split(/[\s,]+/).map((d) => d.trim()).filter(Boolean);
}

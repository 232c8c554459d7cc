// Pure formatting helpers shared by the screens (unit-tested in format.test.ts).
// Words and separators follow the UI language (i18n); units (ms, s, k, M) do not.
import { intlTag, t } from "./i18n/index.svelte";

/** `850 ms`, `1.2 s`, `2 m 05 s`, `1 h 03 m`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${String(s % 60).padStart(2, "0")} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, "0")} m`;
}

/** Token counts: `0`, `999`, `1.2k`, `45k`, `1.3M`, `2.1B`. */
export function formatTokens(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "—";
  const abs = Math.abs(n);
  const unit = (div: number, suffix: string) => {
    const v = n / div;
    const text = Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v).toString();
    return text.replace(/\.0$/, "") + suffix;
  };
  if (abs < 1000) return Math.round(n).toString();
  if (abs < 999_500) return unit(1000, "k");
  if (abs < 999_500_000) return unit(1_000_000, "M");
  return unit(1_000_000_000, "B");
}

/** A whole number with thousands separators: `12,345`. */
export function formatCount(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "—";
  return Math.round(n).toLocaleString(intlTag());
}

/** `$3.20`. */
export function formatUsd(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return "—";
  return `$${n.toFixed(2)}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local `HH:MM:SS` of an epoch-ms timestamp. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Local `YYYY-MM-DD HH:MM` of an epoch-ms timestamp. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago` relative to `now`. */
export function formatAgo(ms: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 45) return t("ago.now");
  const m = Math.round(s / 60);
  if (m < 60) return t("ago.min", { n: m });
  const h = Math.round(m / 60);
  if (h < 48) return t("ago.h", { n: h });
  return t("ago.d", { n: Math.round(h / 24) });
}

/** The host (and port) of a URL, or the text itself when it doesn't parse. */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname === "/" ? "" : u.pathname;
    return u.host + path;
  } catch {
    return url;
  }
}

/** Share of the budget spent, 0–100, or null when unknown. */
export function spentPercent(spent: number | null | undefined, budget: number | null | undefined): number | null {
  if (spent == null || budget == null || !(budget > 0)) return null;
  return Math.min(100, Math.max(0, (spent / budget) * 100));
}

/** Service ids as people read them. */
export function serviceName(service: string): string {
  return service === "codex" ? "Codex" : service === "claude" ? "Claude" : service;
}

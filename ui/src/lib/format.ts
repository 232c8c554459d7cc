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

// Formatters are built per language and options once (Intl builds are not free).
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${intlTag()}|${JSON.stringify(options)}`;
  let f = formatters.get(key) as Intl.NumberFormat | undefined;
  if (!f) formatters.set(key, (f = new Intl.NumberFormat(intlTag(), options)));
  return f;
}
function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${intlTag()}|${JSON.stringify(options)}`;
  let f = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat(intlTag(), options)));
  return f;
}

/** A USD amount as the UI language writes it: `$3.20` (en), `US$3.20` (zh-CN);
 * `digits` decimals (cost sums of small requests need more than two). */
export function formatUsd(n: number | null | undefined, digits = 2): string {
  if (n == null || !Number.isFinite(n)) return "—";
  return numberFormat({ style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

/** Local time of day of an epoch-ms timestamp, 24-hour with seconds (logs): `16:05:03`. */
export function formatClock(ms: number): string {
  return dateFormat({ hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(ms);
}

/** Local date and time of an epoch-ms timestamp: `Dec 2, 2026, 16:05` (en), `2026年12月2日 16:05` (zh-CN). */
export function formatDateTime(ms: number): string {
  return dateFormat({ dateStyle: "medium", timeStyle: "short", hourCycle: "h23" }).format(ms);
}

/** `2026-12-02` (a local day, as core sends them) → midnight of that day, local time. */
function localDay(day: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

/** The local date of an epoch-ms timestamp: `Dec 2, 2026` (en), `2026年12月2日` (zh-CN). */
export function formatDate(ms: number): string {
  return dateFormat({ dateStyle: "medium" }).format(ms);
}

/** A day core sends (`2026-12-02`) as the language writes it: `Dec 2, 2026`, `2026年12月2日`. */
export function formatDay(day: string): string {
  const d = localDay(day);
  return d ? formatDate(d.getTime()) : day;
}

/** Two days as a range: `Nov 26 – Dec 2, 2026`; one day when they are the same. */
export function formatDayRange(from: string, to: string): string {
  const a = localDay(from);
  const b = localDay(to);
  if (!a || !b) return from === to ? from : `${from} – ${to}`;
  if (from === to) return formatDay(from);
  return dateFormat({ dateStyle: "medium" }).formatRange(a, b);
}

/** A chart's day tick (seconds, uPlot's unit): `Dec 2` (en), `12月2日` (zh-CN). */
export function formatAxisDay(seconds: number): string {
  return dateFormat({ month: "short", day: "numeric" }).format(seconds * 1000);
}

/** A chart's time-of-day tick (seconds): `16:05`. */
export function formatAxisTime(seconds: number): string {
  return dateFormat({ hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(seconds * 1000);
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

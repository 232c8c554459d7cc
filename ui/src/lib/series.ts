// Shaping usage lines and log records for the charts (pure; tested).

import type { SeriesLine, UsageSeries } from "../bindings";
import { t } from "./i18n/index.svelte";

/** A usage line as the charts draw it: Rust's line plus its label. */
export interface ChartLine extends SeriesLine {
  /** `service · upstream`; "(none)" (in the UI language) for requests that reached no upstream. */
  label: string;
}

/**
 * Rust's per-day lines (`Summary.series`: local days, zero-filled) with the
 * labels the charts show; the days and counts are used as sent.
 */
export function chartLines(series: UsageSeries): ChartLine[] {
  return series.lines.map((l) => {
    return { ...l, label: `${l.service} · ${l.upstream || t("common.noUpstream")}` };
  });
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

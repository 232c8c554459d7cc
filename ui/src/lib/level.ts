// The sidebar footer: the words for the level the backend decided (core's
// report::level, the tray's icon reads the same field). Nothing here
// re-derives it from the services.

import type { Level, StatusReport } from "../bindings";

const WORDS: Record<Level, { cls: string; text: string }> = {
  off: { cls: "muted", text: "Proxies off" },
  serving: { cls: "ok", text: "Serving" },
  degraded: { cls: "warn", text: "Degraded" },
  down: { cls: "bad", text: "Upstreams down" },
};

/** What the footer shows for `status` (null while loading or unreachable). */
export function levelBadge(status: StatusReport | null, error: string | null): { cls: string; text: string } {
  if (!status) return { cls: "muted", text: error ? "Backend unavailable" : "Loading…" };
  return WORDS[status.level];
}

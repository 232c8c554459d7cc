// The sidebar footer: the words for the level the backend decided (core's
// report::level, the tray's icon reads the same field). Nothing here
// re-derives it from the services.

import type { Level, StatusReport } from "../bindings";
import { t, type Key } from "./i18n/index.svelte";

const WORDS: Record<Level, { cls: string; key: Key }> = {
  off: { cls: "muted", key: "level.off" },
  serving: { cls: "ok", key: "level.serving" },
  degraded: { cls: "warn", key: "level.degraded" },
  down: { cls: "bad", key: "level.down" },
};

/** What the footer shows for `status` (null while loading or unreachable). */
export function levelBadge(status: StatusReport | null, error: string | null): { cls: string; text: string } {
  if (!status) return { cls: "muted", text: t(error ? "level.unavailable" : "level.loading") };
  const w = WORDS[status.level];
  return { cls: w.cls, text: t(w.key) };
}

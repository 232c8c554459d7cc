// The upstream form's protocol select and model-map editor: which protocols a
// service can use, what each means, and the map's rows checked before they
// are sent (core checks again, but it keeps only the last of two rows with
// the same client model, so duplicates must be caught here).

import type { Protocol } from "../bindings";
import { t } from "./i18n/index.svelte";

/** The key core's model map treats as "every model without its own row". */
export const CATCH_ALL = "*";

export interface MapRow {
  from: string;
  to: string;
}

/** The protocol `service`'s client speaks itself (core: `Protocol::native`). */
export function nativeProtocol(service: string): Protocol {
  return service === "claude" ? "anthropic" : "responses";
}

/** What the form offers: the client's own protocol, or Chat Completions through the bridge. */
export function protocolChoices(service: string): Protocol[] {
  return [nativeProtocol(service), "chat"];
}

/** A short hint under the select: what the upstream must serve. */
export function protocolHint(service: string, p: Protocol): string {
  const client = service === "claude" ? "Claude Code" : "Codex";
  switch (p) {
    case "responses":
      return t("cfg.hint.responses");
    case "anthropic":
      return t("cfg.hint.anthropic");
    case "chat":
      return t("cfg.hint.chat", { client });
  }
}

/** `chat` for a Codex upstream, nothing for the client's own protocol (list badges). */
export function protocolBadge(service: string, p: Protocol | null | undefined): string | null {
  return p && p !== nativeProtocol(service) ? p : null;
}

/** `api.deepseek.com · chat` (the tray builds the same in core's report). */
export function labelWithProtocol(label: string, service: string, p: Protocol | null | undefined): string {
  const badge = protocolBadge(service, p);
  return badge ? `${label} · ${badge}` : label;
}

/** `gpt-5-codex→deepseek-chat, *→deepseek-chat` for one-line displays. */
export function mapSummary(map: Record<string, string> | null | undefined): string {
  return Object.entries(map ?? {})
    .map(([from, to]) => `${from}→${to}`)
    .join(", ");
}

/** The editor's rows for a stored map (none when it is empty). */
export function rowsOf(map: Record<string, string> | null | undefined): MapRow[] {
  return Object.entries(map ?? {}).map(([from, to]) => ({ from, to }));
}

const badChars = /[\s\p{Cc}]/u;

/** Row index → what is wrong with it; empty when every row is fine. A row
 * left entirely empty is ignored (the editor's fresh row). */
export function checkMapRows(rows: MapRow[]): Record<number, string> {
  const errors: Record<number, string> = {};
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const from = r.from.trim();
    const to = r.to.trim();
    if (from === "" && to === "") return;
    if (from === "") errors[i] = t("val.map.noFrom", { all: CATCH_ALL });
    else if (to === "") errors[i] = t("val.map.noTo", { from });
    else if (badChars.test(from) || badChars.test(to)) errors[i] = t("val.map.badChars");
    else if (seen.has(from)) errors[i] = t("val.map.twice", { from });
    seen.add(from);
  });
  return errors;
}

/** The `model_map` argument: trimmed `[from, to]` pairs, empty rows dropped. */
export function mapPairs(rows: MapRow[]): [string, string][] {
  return rows
    .map((r) => [r.from.trim(), r.to.trim()] as [string, string])
    .filter(([from, to]) => from !== "" || to !== "");
}

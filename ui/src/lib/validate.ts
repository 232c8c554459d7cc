// Validation of the upstream form before it is sent to `add_upstream` (or,
// when editing a saved upstream, `update_upstream`). The same rules as
// core's `validate_base_url`, `check_key` and `check_name`, so the person
// sees the problem next to the field instead of after a round trip (the
// backend checks again).

import type { AddUpstreamArgs, NewKey, Protocol, UpdateUpstreamArgs } from "../bindings";
import { t } from "./i18n/index.svelte";
import { checkMapRows, mapPairs, protocolChoices, type MapRow } from "./modelMap";

export type KeyKind = "auth_token" | "api_key" | "none";

export interface UpstreamForm {
  service: string;
  config: string;
  baseUrl: string;
  keyKind: KeyKind;
  key: string;
  tags: { key: string; value: string }[];
  /** The API the relay speaks: the client's own or `chat` ([`protocolChoices`]). */
  protocol: Protocol;
  /** Client model → the relay's, as typed (see modelMap.ts). */
  modelMap: MapRow[];
  /** A name for this key (several keys for one URL); empty: none. */
  keyAlias: string;
  /** Extra headers sent to this upstream only, as typed. */
  headers: { name: string; value: string }[];
  /** Most requests at once, as typed; empty: no cap. */
  maxConcurrent: string;
}

/** The saved upstream an edit started from. Its key never reaches the UI:
 * only which kind it is, so an empty key field can mean "keep it". */
export interface StoredUpstream {
  config: string;
  baseUrl: string;
  keyKind: KeyKind;
  /** Its position in the config: several keys may share the URL. */
  index?: number;
  /** It had a cap (clearing the field removes it). */
  hadCap?: boolean;
}

/** Field → message; empty when the form is fine. */
export type FormErrors = Partial<
  Record<"config" | "baseUrl" | "key" | "service" | "protocol" | "keyAlias" | "maxConcurrent" | "headerList", string>
> & {
  tags?: Record<number, string>;
  modelMap?: Record<number, string>;
  headers?: Record<number, string>;
};

/** Headers the proxy sets itself; core refuses them too (extra_headers.rs). */
const OWNED_HEADERS = new Set([
  "connection", "proxy-connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade",
  "proxy-authenticate", "proxy-authorization", "host", "content-length", "authorization", "x-api-key", "via",
]);

/** Row → message for the extra-header rows; empty rows are ignored. */
export function checkHeaderRows(rows: { name: string; value: string }[]): Record<number, string> {
  const out: Record<number, string> = {};
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const name = r.name.trim();
    if (name === "" && r.value.trim() === "") return;
    const lower = name.toLowerCase();
    if (name === "") out[i] = t("val.header.noName");
    else if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) out[i] = t("val.header.badName", { name });
    else if (lower === "authorization" || lower === "x-api-key") out[i] = t("val.header.carriesKey", { name });
    else if (OWNED_HEADERS.has(lower)) out[i] = t("val.header.owned", { name });
    else if (seen.has(lower)) out[i] = t("val.header.twice", { name });
    seen.add(lower);
  });
  return out;
}

const GOOD_URL = "https://api.example.com/v1";
const badChars = /[\s\p{Cc}]/u;

/** Why `url` can't be an upstream base URL, or null when it can. */
export function checkBaseUrl(url: string): string | null {
  if (url.trim() === "") return t("val.url.empty", { example: GOOD_URL });
  if (url.trim() !== url) return t("val.url.spaces");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return t("val.url.invalid", { example: GOOD_URL });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return t("val.url.scheme", { scheme: parsed.protocol.replace(/:$/, "") });
  }
  if (parsed.hostname === "") return t("val.url.noHost", { example: GOOD_URL });
  if (parsed.username !== "" || parsed.password !== "") {
    return t("val.url.userinfo");
  }
  if (parsed.search !== "" || url.includes("?")) return t("val.url.query");
  if (parsed.hash !== "" || url.includes("#")) return t("val.url.fragment");
  return null;
}

/** Which kind of key a listed upstream has (a token wins, as in the proxy). */
export function keyKindOf(u: { auth_token: string | null; api_key: string | null }): KeyKind {
  return u.auth_token ? "auth_token" : u.api_key ? "api_key" : "none";
}

/** Why `key` can't be sent as a key, or null when it can. When editing,
 * an empty key keeps the stored one, unless its kind was changed (the
 * stored key can't be moved without being pasted). */
export function checkKey(key: string, kind: KeyKind, stored?: StoredUpstream): string | null {
  if (kind === "none") return null;
  const k = key.trim();
  if (k === "" && stored?.keyKind === kind) return null;
  if (k === "" && stored && stored.keyKind !== "none") return t(kind === "auth_token" ? "val.key.asAuthToken" : "val.key.asApiKey");
  if (k === "") return t("val.key.empty");
  if (badChars.test(k)) return t("val.key.badChars");
  return null;
}

/** Why `name` can't be a config name, or null when it can. */
export function checkConfigName(name: string): string | null {
  if (name === "") return t("val.config.empty");
  if (badChars.test(name)) return t("val.config.badChars");
  return null;
}

/** Why `text` can't be a `max_concurrent` cap (a whole number ≥ 1, or
 * empty for none), or null when it can. */
export function checkMaxConcurrent(text: string): string | null {
  const n = text.trim();
  if (n === "") return null;
  if (!/^\d+$/.test(n) || Number(n) > 4294967295) return t("val.cap.notNumber");
  if (Number(n) < 1) return t("val.cap.zero");
  return null;
}

/** `stored`: the upstream being edited (absent when adding). */
export function validateUpstream(form: UpstreamForm, stored?: StoredUpstream): FormErrors {
  const errors: FormErrors = {};
  if (form.service !== "codex" && form.service !== "claude") errors.service = t("val.service");
  const name = checkConfigName(form.config);
  if (name) errors.config = name;
  const url = checkBaseUrl(form.baseUrl);
  if (url) errors.baseUrl = url;
  const key = checkKey(form.key, form.keyKind, stored);
  if (key) errors.key = key;
  const tagErrors: Record<number, string> = {};
  const seen = new Set<string>();
  form.tags.forEach((tag, i) => {
    const k = tag.key.trim();
    if (k === "" && tag.value.trim() === "") return; // an empty row is ignored
    if (k === "") tagErrors[i] = t("val.tag.noKey");
    else if (seen.has(k)) tagErrors[i] = t("val.tag.twice", { key: k });
    seen.add(k);
  });
  if (Object.keys(tagErrors).length > 0) errors.tags = tagErrors;
  if (!protocolChoices(form.service).includes(form.protocol)) {
    const [a, b] = protocolChoices(form.service);
    errors.protocol = t("val.protocol", { a, b });
  }
  const mapErrors = checkMapRows(form.modelMap);
  if (Object.keys(mapErrors).length > 0) errors.modelMap = mapErrors;
  const headerErrors = checkHeaderRows(form.headers);
  if (Object.keys(headerErrors).length > 0) errors.headers = headerErrors;
  const cap = checkMaxConcurrent(form.maxConcurrent);
  if (cap) errors.maxConcurrent = cap;
  return errors;
}

export function hasErrors(errors: FormErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** The key, tag, protocol and model-map fields of `add_upstream`'s arguments
 * for this form (keys trimmed, empty tag and map rows dropped). */
export function toAddArgs(
  form: UpstreamForm,
): Pick<AddUpstreamArgs, "auth_token" | "api_key" | "tags"> & {
  protocol: Protocol;
  model_map: [string, string][];
  key_alias: string | null;
  headers: [string, string][];
  max_concurrent: number | null;
} {
  const key = form.key.trim();
  return {
    auth_token: form.keyKind === "auth_token" ? key : null,
    api_key: form.keyKind === "api_key" ? key : null,
    tags: tagPairs(form),
    protocol: form.protocol,
    model_map: mapPairs(form.modelMap),
    key_alias: form.keyAlias.trim() || null,
    headers: form.headers.filter((h) => h.name.trim() !== "").map((h) => [h.name.trim(), h.value.trim()] as [string, string]),
    max_concurrent: form.maxConcurrent.trim() === "" ? null : Number(form.maxConcurrent.trim()),
  };
}

/** True when saving the edit keeps the stored key (nothing pasted, same kind). */
export function keepsStoredKey(form: UpstreamForm, stored: StoredUpstream): boolean {
  return form.keyKind === stored.keyKind && (form.keyKind === "none" || form.key.trim() === "");
}

/** `update_upstream`'s arguments for an edit of `stored`: `key` null
 * keeps the stored key; a NewKey with both fields null removes it. The
 * map, the headers and the key name are sent whole (the form starts from
 * the stored ones): no rows removes them, an empty name removes it. A
 * masked header value sent back as shown keeps the stored one (core). */
export function toUpdateArgs(
  form: UpstreamForm,
  stored: StoredUpstream,
): Pick<
  UpdateUpstreamArgs,
  "base_url" | "new_base_url" | "key" | "tags" | "protocol" | "model_map" | "index" | "key_alias" | "headers" | "max_concurrent" | "clear_max_concurrent"
> {
  const { auth_token, api_key, tags, protocol, model_map, headers, max_concurrent } = toAddArgs(form);
  const key: NewKey | null = keepsStoredKey(form, stored) ? null : { auth_token, api_key };
  const cap = max_concurrent == null ? { clear_max_concurrent: stored.hadCap ?? false } : { max_concurrent };
  return {
    base_url: stored.baseUrl,
    new_base_url: form.baseUrl,
    key,
    tags,
    protocol,
    model_map,
    ...(stored.index != null ? { index: stored.index } : {}),
    key_alias: form.keyAlias.trim(),
    headers,
    ...cap,
  };
}

/** What "Test connection" can do for this form: test with the typed key,
 * test the saved upstream with its stored key (which the UI never holds),
 * or nothing until a key is pasted: the stored key is only ever sent to
 * the URL it was saved for. */
export type TestPlan = { kind: "typed" } | { kind: "stored" } | { kind: "needs_key"; message: string };

export function testPlan(form: UpstreamForm, stored?: StoredUpstream): TestPlan {
  if (!stored || !keepsStoredKey(form, stored) || stored.keyKind === "none") return { kind: "typed" };
  if (form.baseUrl === stored.baseUrl) return { kind: "stored" };
  return {
    kind: "needs_key",
    message: t("val.test.needsKey"),
  };
}

function tagPairs(form: UpstreamForm): [string, string][] {
  return form.tags.filter((t) => t.key.trim() !== "").map((t) => [t.key.trim(), t.value.trim()] as [string, string]);
}

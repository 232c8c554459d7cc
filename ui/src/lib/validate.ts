// Validation of the upstream form before it is sent to `add_upstream`. The
// same rules as core's `validate_base_url`, `check_key` and `check_name`,
// so the person sees the problem next to the field instead of after a
// round trip (the backend checks again).

export type KeyKind = "auth_token" | "api_key" | "none";

export interface UpstreamForm {
  service: string;
  config: string;
  baseUrl: string;
  keyKind: KeyKind;
  key: string;
  tags: { key: string; value: string }[];
}

/** Field → message; empty when the form is fine. */
export type FormErrors = Partial<Record<"config" | "baseUrl" | "key" | "service", string>> & {
  tags?: Record<number, string>;
};

const GOOD_URL = "https://api.example.com/v1";
const badChars = /[\s\p{Cc}]/u;

/** Why `url` can't be an upstream base URL, or null when it can. */
export function checkBaseUrl(url: string): string | null {
  if (url.trim() === "") return `Enter the relay's base URL, e.g. ${GOOD_URL}`;
  if (url.trim() !== url) return "Remove the leading or trailing spaces";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `Not a valid URL; expected something like ${GOOD_URL}`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `Only http and https URLs are supported (got ${parsed.protocol.replace(/:$/, "")})`;
  }
  if (parsed.hostname === "") return `The URL has no host; expected something like ${GOOD_URL}`;
  if (parsed.username !== "" || parsed.password !== "") {
    return "Don't put a user name or password in the URL; paste the key in the key field";
  }
  if (parsed.search !== "" || url.includes("?")) return "Remove the query (?…) from the URL";
  if (parsed.hash !== "" || url.includes("#")) return "Remove the fragment (#…) from the URL";
  return null;
}

/** Why `key` can't be sent as a key, or null when it can. */
export function checkKey(key: string, kind: KeyKind): string | null {
  if (kind === "none") return null;
  const k = key.trim();
  if (k === "") return "Paste the key (or choose “no key” if the relay needs none)";
  if (badChars.test(k)) return "The key contains spaces or control characters; paste it again";
  return null;
}

/** Why `name` can't be a config name, or null when it can. */
export function checkConfigName(name: string): string | null {
  if (name === "") return "Give the config a name, e.g. main";
  if (badChars.test(name)) return "Config names can't contain spaces or control characters";
  return null;
}

export function validateUpstream(form: UpstreamForm): FormErrors {
  const errors: FormErrors = {};
  if (form.service !== "codex" && form.service !== "claude") errors.service = "Choose Codex or Claude";
  const name = checkConfigName(form.config);
  if (name) errors.config = name;
  const url = checkBaseUrl(form.baseUrl);
  if (url) errors.baseUrl = url;
  const key = checkKey(form.key, form.keyKind);
  if (key) errors.key = key;
  const tagErrors: Record<number, string> = {};
  const seen = new Set<string>();
  form.tags.forEach((t, i) => {
    const k = t.key.trim();
    if (k === "" && t.value.trim() === "") return; // an empty row is ignored
    if (k === "") tagErrors[i] = "A tag needs a key";
    else if (seen.has(k)) tagErrors[i] = `Tag “${k}” appears twice`;
    seen.add(k);
  });
  if (Object.keys(tagErrors).length > 0) errors.tags = tagErrors;
  return errors;
}

export function hasErrors(errors: FormErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** The arguments `add_upstream` takes for this form (keys trimmed, empty tag rows dropped). */
export function toAddArgs(form: UpstreamForm): {
  authToken: string | null;
  apiKey: string | null;
  tags: [string, string][];
} {
  const key = form.key.trim();
  return {
    authToken: form.keyKind === "auth_token" ? key : null,
    apiKey: form.keyKind === "api_key" ? key : null,
    tags: form.tags
      .filter((t) => t.key.trim() !== "")
      .map((t) => [t.key.trim(), t.value.trim()] as [string, string]),
  };
}

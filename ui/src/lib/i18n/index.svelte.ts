// The UI's strings: a typed catalogue per language (en/, zh-CN/), chosen by
// the language core resolved (CODEX_HELPER_LANG > settings.json `language` >
// the system locale; the webview's language when the backend gives none).
//
// Why a typed catalogue and not a library: the UI is one small Svelte app;
// `t(key)` with `key: Key` makes svelte-check reject a key that does not
// exist, `Messages<typeof en>` makes TypeScript reject a translation with a
// missing or extra key, and a few lines of interpolation need no runtime.
import { en } from "./en";
import { zhCN } from "./zh-CN";
import type { Lang } from "./types";

export type { Lang } from "./types";
export type Key = keyof typeof en;

const catalogues: Record<Lang, Record<Key, string>> = { en, "zh-CN": zhCN };

/** `zh`, `zh-CN`, `zh-Hans-CN`, `zh-SG` → zh-CN; anything else → en. */
export function langFromTag(tag: string | undefined | null): Lang {
  const parts = (tag ?? "").toLowerCase().replace(/_/g, "-").split(/[-.@]/);
  if (parts[0] !== "zh") return "en";
  return parts.length === 1 || ["cn", "sg", "hans", "my"].includes(parts[1]) ? "zh-CN" : "en";
}

const state = $state<{ lang: Lang }>({
  lang: langFromTag(typeof navigator !== "undefined" ? navigator.language : "en"),
});

/** The language the UI speaks now (reactive: components re-render on change). */
export function lang(): Lang {
  return state.lang;
}

export function setLang(next: Lang) {
  state.lang = next;
  if (typeof document !== "undefined") document.documentElement.lang = next;
}

/** The BCP 47 tag for Intl formatters (numbers, dates, money). */
export function intlTag(): string {
  return state.lang === "zh-CN" ? "zh-CN" : "en-US";
}

/**
 * The message `key` in the current language, `{name}` placeholders filled
 * from `vars`. Numbers are formatted for the language.
 */
export function t(key: Key, vars?: Record<string, string | number>): string {
  return fill(catalogues[state.lang][key] ?? en[key] ?? key, vars);
}

/** `t` in a given language (tests, previews of the other language). */
export function tIn(language: Lang, key: Key, vars?: Record<string, string | number>): string {
  return fill(catalogues[language][key] ?? en[key] ?? key, vars);
}

function fill(text: string, vars?: Record<string, string | number>): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = vars[name];
    if (v === undefined) return whole;
    return typeof v === "number" ? new Intl.NumberFormat(intlTag()).format(v) : v;
  });
}

/** Every catalogue, for the tests. */
export const allCatalogues = catalogues;

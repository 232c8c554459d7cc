import { setLang, type Lang } from "./index.svelte";

/** Runs `f` with the window's language set to `lang`, then back to English
 * (what the unit tests assume everywhere else). For tests. */
export function inLang<T>(lang: Lang, f: () => T): T {
  setLang(lang);
  try {
    return f();
  } finally {
    setLang("en");
  }
}

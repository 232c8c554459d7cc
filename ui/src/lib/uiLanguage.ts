// The language the window starts in and switches to after a save: the
// backend's answer (CODEX_HELPER_LANG > settings.json `language` > the
// locale variables), else the webview's own language.
import { commands } from "../bindings";
import { langFromTag, type Lang } from "./i18n/index.svelte";

export async function applyUiLanguage(set: (lang: Lang) => void): Promise<void> {
  try {
    const webview = typeof navigator !== "undefined" ? navigator.language : null;
    const res = await commands.uiLanguage(webview);
    const fromBackend = res.status === "ok" ? res.data : null;
    set(fromBackend ?? langFromTag(typeof navigator !== "undefined" ? navigator.language : "en"));
  } catch {
    // No backend (a plain browser preview): the webview's language.
    set(langFromTag(typeof navigator !== "undefined" ? navigator.language : "en"));
  }
}

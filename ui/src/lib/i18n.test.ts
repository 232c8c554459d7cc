import { describe, expect, it } from "vitest";
import { allCatalogues, langFromTag, tIn, type Key } from "./i18n/index.svelte";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// Every UI source as text (Vite's glob; no Node APIs, so svelte-check is happy).
const sources = import.meta.glob(["../**/*.svelte", "../**/*.ts", "!../**/*.test.ts", "!../bindings.ts", "!./mock.ts", "!./i18n/**"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

describe("catalogues", () => {
  const en = allCatalogues.en;
  const zh = allCatalogues["zh-CN"];

  it("has every key in both languages with the same placeholders, none empty", () => {
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as Key[]) {
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
      expect(en[key].trim(), key).not.toBe("");
      expect(zh[key].trim(), key).not.toBe("");
    }
  });

  it("knows every key the sources use", () => {
    const unknown: string[] = [];
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    for (const [file, text] of Object.entries(sources)) {
      for (const m of text.matchAll(/\bt\(\s*"([^"]+)"/g)) if (!(m[1] in en)) unknown.push(`${m[1]} (${file})`);
    }
    expect(unknown).toEqual([]);
  });

  it("fills placeholders and formats numbers for the language", () => {
    expect(tIn("en", "common.requests", { count: 1234 })).toBe("1,234 requests");
    expect(tIn("zh-CN", "common.requests", { count: 1234 })).toBe("1,234 个请求");
    expect(tIn("zh-CN", "nav.settings")).toBe("设置");
  });

  it("maps locale tags like core does", () => {
    for (const tag of ["zh", "zh-CN", "zh_CN.UTF-8", "zh-Hans-CN", "zh-SG"]) expect(langFromTag(tag), tag).toBe("zh-CN");
    for (const tag of ["zh-TW", "zh-Hant-TW", "en-US", "C", "", undefined]) expect(langFromTag(tag), String(tag)).toBe("en");
  });
});

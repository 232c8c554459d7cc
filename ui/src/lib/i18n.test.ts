import { describe, expect, it } from "vitest";
import { parse } from "svelte/compiler";
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

// Markup text a user reads must come from t(): a guard against English left
// in .svelte files. Text nodes and placeholder/title/aria-label attributes
// with letters that are not a {…} expression fail, except the names below.
describe("no hard-coded English in markup", () => {
  // Product names, units and literal values shown as they are in both languages.
  const allowed = new Set(["codex-helper", "Codex", "Claude", "Claude Code", "English", "简体中文", "ms", "main", "usage_providers.json:", "HTTP ·",
    // Literal values and example inputs (file, host, URL, variable, header names).
    "usage_providers.json", "relay.example.com", "https://relay.example.com/api/usage", "RELAY_TOKEN", "(New-Api-User)"]);
  // Screens not yet through the catalogue (issue 14 follow-up): the guard
  // lists them so the gap is explicit and shrinks, never silently grows.
  const pending = new Set<string>([]);

  /** The user-visible literal text of one .svelte file's markup. */
  function literals(source: string): string[] {
    // Expressions go first ({() => a > b} would end a tag early), then tags.
    const markup = stripExpressions(
      source
        .replace(/<script[\s\S]*?<\/script>/g, "")
        .replace(/<style[\s\S]*?<\/style>/g, "")
        .replace(/<!--[\s\S]*?-->/g, ""),
    );
    const found: string[] = [];
    // Attribute values in quotes (an expression is written attr={…}).
    for (const m of markup.matchAll(/\s(?:placeholder|title|aria-label|alt)="([^"]*)"/g)) found.push(m[1]);
    for (const chunk of markup.replace(/<[^>]*>/g, "\n").split("\n")) found.push(chunk);
    return found.map((s) => s.replace(/\s+/g, " ").trim()).filter((s) => /[A-Za-z]{2,}/.test(s) && !allowed.has(s));
  }
  /** Removes balanced {…} (they may nest: {t("x", { n })}). */
  function stripExpressions(s: string): string {
    let out = "";
    let depth = 0;
    for (const ch of s) {
      if (ch === "{") depth++;
      else if (ch === "}") depth = Math.max(0, depth - 1);
      else if (depth === 0) out += ch;
    }
    return out;
  }

  it("finds English in a sample (the guard can fail)", () => {
    expect(literals('<p class="x">Loading…</p><input placeholder="text to find" /><b>{t("a")}</b>')).toEqual([
      "text to find",
      "Loading…",
    ]);
    expect(literals('<p>{t("a", { n })} ms</p><span title={t("b")}>Codex</span>')).toEqual([]);
  });

  it("leaves no English text in any screen's markup", () => {
    const left: string[] = [];
    for (const [file, text] of Object.entries(sources)) {
      if (!file.endsWith(".svelte") || pending.has(file)) continue;
      for (const s of literals(text)) left.push(`${file}: ${s}`);
    }
    expect(left).toEqual([]);
  });
});

// Text built in code a user reads (notices, validation messages, hints,
// labels returned by helpers) must come from t() too: a guard against
// English in .ts modules, <script> blocks and markup expressions. Every
// string and template literal is looked at, except where a string is not
// shown: imports, t()'s key, object keys, comparisons (=== "ok"), switch
// cases and types. What reads as English prose fails: two words, a
// capitalised word ("Added"), a word in parentheses ("(none)"), or a
// template with a word next to a value (`${pct}% used`).
describe("no hard-coded English in code", () => {
  // Product names, commands and units, the same in every language.
  const allowed = new Set(["Codex", "Claude", "Claude Code", "ch serve", "cd {} && {}", "{} ms"]);

  type Node = { type?: unknown; [k: string]: unknown };
  const NOT_SHOWN_KEYS = new Set(["typeAnnotation", "typeParameters", "typeArguments", "returnType", "source", "metadata", "loc", "parent"]);

  /** Every string and template literal (`{}` for each value) of a source that may reach the user. */
  function literals(source: string, isSvelte: boolean): { text: string; template: boolean }[] {
    const ast = parse(isSvelte ? source : `<script lang="ts">${source}</script>`, { modern: true }) as unknown as Record<string, unknown>;
    const out: { text: string; template: boolean }[] = [];
    const seen = new Set<object>();
    const walk = (value: unknown): void => {
      if (!value || typeof value !== "object" || seen.has(value)) return;
      seen.add(value);
      if (Array.isArray(value)) return value.forEach(walk);
      const n = value as Node;
      switch (n.type) {
        case "ImportDeclaration":
        case "ImportExpression":
        case "TSTypeAliasDeclaration":
        case "TSInterfaceDeclaration":
        case "TSLiteralType":
        case "Text": // markup text: the markup guard above
          return;
        case "BinaryExpression":
          if (["===", "!==", "==", "!="].includes(n.operator as string)) return;
          break;
        case "SwitchCase":
          return walk(n.consequent);
        case "Property":
          if (!n.computed) return walk(n.value);
          break;
        case "MemberExpression":
          if (!n.computed) return walk(n.object);
          break;
        case "CallExpression": {
          const callee = n.callee as Node;
          if (callee.type === "Identifier" && (callee.name === "t" || callee.name === "tIn")) {
            return walk((n.arguments as unknown[]).slice(callee.name === "t" ? 1 : 2));
          }
          break;
        }
        case "Literal":
          if (typeof n.value === "string") out.push({ text: n.value, template: false });
          return;
        case "TemplateLiteral":
          out.push({ text: (n.quasis as { value: { cooked: string } }[]).map((q) => q.value.cooked).join("{}"), template: true });
          return walk(n.expressions);
      }
      for (const [k, v] of Object.entries(n)) if (!NOT_SHOWN_KEYS.has(k)) walk(v);
    };
    walk(ast.instance);
    walk(ast.module);
    walk(ast.fragment);
    return out;
  }

  function readsAsEnglish({ text, template }: { text: string; template: boolean }): boolean {
    const words = text.replace(/\{\}/g, " ");
    return (
      /(?<![\w-])[A-Za-z]+(?:['’][a-z]+)?\s+[A-Za-z]{2,}/.test(words) ||
      /^[A-Z][a-z]{2,}\b/.test(words.trim()) ||
      /^\([a-z]+(?: [a-z]+)*\)$/.test(words.trim()) ||
      (template && /(?:^|\s)[A-Za-z]{2,}(?:\s|$)/.test(text.replace(/\{\}/g, "\u0000")) && /\{\}/.test(text))
    );
  }

  /** The English a source builds in code, allowlist aside. */
  function english(source: string, isSvelte: boolean): string[] {
    return literals(source, isSvelte)
      .filter(readsAsEnglish)
      .map((l) => l.text)
      .filter((s) => !allowed.has(s));
  }

  it("finds English built in code (the guard can fail)", () => {
    const ts = [
      'import { x } from "./some module";',
      'export const a = (n: number, s: string) => n > 1 ? `Removed ${n} upstreams.` : `${n}% used`;',
      'export const b = (s: string) => (s === "not shown" ? t("cfg.title", { x: "no key" }) : "Added");',
      'export const c = { label: "(none)", kind: "json_fields", font: "11px system-ui", key: "cfg.title" };',
      'type K = "some words";',
    ].join("\n");
    expect(english(ts, false)).toEqual(["Removed {} upstreams.", "{}% used", "no key", "Added", "(none)"]);
    const svelte = '<script lang="ts">let n = $state("Deploy to prod");</script><p title={ok ? "share unknown" : t("a")}>{x}</p><b>{name}</b>';
    expect(english(svelte, true)).toEqual(["Deploy to prod", "share unknown"]);
    expect(english('<script lang="ts">const who = "ch serve"; const url = `#${id}`;</script>', true)).toEqual([]);
  });

  it("leaves no English in any .ts module, <script> block or markup expression", () => {
    const left: string[] = [];
    for (const [file, text] of Object.entries(sources)) {
      for (const s of english(text, file.endsWith(".svelte"))) left.push(`${file}: ${s}`);
    }
    expect(left).toEqual([]);
  });
});

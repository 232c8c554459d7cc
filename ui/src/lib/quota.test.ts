import { describe, expect, it } from "vitest";
import { inLang } from "./i18n/inLang";
import type { QuotaWindow } from "../bindings";
import { barClass, blankSource, freeId, parseDomains, resetsIn, sourceField, stateBadge, usedPercent, windowAmount } from "./quota";

const w = (o: Partial<QuotaWindow>): QuotaWindow => ({ name: "5h", used: null, limit: null, remaining_pct: null, resets_at_ms: null, ...o });

describe("quota windows", () => {
  it("says how much is used, in the window's unit", () => {
    expect(windowAmount(w({ used: 31.4, limit: 50, unit: "usd" }))).toBe("$31.40 / $50.00");
    expect(windowAmount(w({ used: 1200, limit: 5000, unit: "requests" }))).toBe("1,200 / 5,000 requests");
    expect(windowAmount(w({ remaining_pct: 63, unit: "percent" }))).toBe("37% used");
    expect(windowAmount(w({ used: 12.5, unit: "credits" }))).toBe("12.5 credits used (no limit)");
    expect(windowAmount(w({}))).toBe("no numbers reported");
  });

  it("fills the bar from the remaining share, else used/limit, clamped", () => {
    expect(usedPercent(w({ remaining_pct: 25 }))).toBe(75);
    expect(usedPercent(w({ used: 3, limit: 4 }))).toBe(75);
    expect(usedPercent(w({ used: 9, limit: 4 }))).toBe(100);
    expect(usedPercent(w({ used: 3, limit: 0 }))).toBeNull();
    expect([barClass(w({ remaining_pct: 50 })), barClass(w({ remaining_pct: 15 })), barClass(w({ remaining_pct: 0 }))]).toEqual(["", "warn", "bad"]);
  });

  it("tells the reset time relative to now", () => {
    const now = 1_000_000_000_000;
    expect(resetsIn(null, now)).toBe("");
    expect(resetsIn(now - 5000, now)).toBe("resets now");
    expect(resetsIn(now + 5 * 60_000, now)).toBe("resets in 5 min");
    expect(resetsIn(now + 2 * 3600_000 + 60_000, now)).toBe("resets in 2 h");
    expect(resetsIn(now + 3 * 86400_000, now)).toBe("resets in 3 d");
  });

  it("badges the state, also for answers without one", () => {
    expect(stateBadge({ state: "warning", exhausted: false, error: null })).toEqual({ cls: "warn", text: "warning" });
    expect(stateBadge({ state: "exhausted", exhausted: true, error: null }).cls).toBe("bad");
    expect(stateBadge({ exhausted: null, error: "HTTP 401" })).toEqual({ cls: "muted", text: "unknown" });
    expect(stateBadge({ exhausted: false, error: null }).text).toBe("ok");
  });
});

describe("quota sources", () => {
  it("finds the source and field a save error names", () => {
    expect(sourceField("providers[2].user_id")).toEqual({ index: 2, field: "user_id" });
    expect(sourceField("providers[0].windows[1].used")).toEqual({ index: 0, field: "windows[1].used" });
    expect(sourceField("domains")).toEqual({ index: null, field: "domains" });
    expect(sourceField(null)).toBeNull();
  });

  it("starts json_fields with one window and picks a free id", () => {
    expect(blankSource("json_fields", "x").windows).toHaveLength(1);
    expect(blankSource("openai_billing", "x").windows).toHaveLength(0);
    expect(freeId("source", ["source", "source-2"])).toBe("source-3");
    expect(parseDomains(" a.example, b.example\nc.example ")).toEqual(["a.example", "b.example", "c.example"]);
  });
});

/** `f` run with the UI in `lang`, then back in English. */
describe("in Chinese", () => {
  it("says how much is used and when it resets in Chinese, money as zh-CN writes it", () => {
    const now = 1_700_000_000_000;
    expect(inLang("zh-CN", () => windowAmount(w({ used: 31.4, limit: 50, unit: "usd" })))).toBe("US$31.40 / US$50.00");
    expect(inLang("zh-CN", () => windowAmount(w({ remaining_pct: 63, unit: "percent" })))).toBe("已用 37%");
    expect(inLang("zh-CN", () => windowAmount(w({ used: 12.5, unit: "credits" })))).toBe("已用 12.5 credits（无上限）");
    expect(inLang("zh-CN", () => resetsIn(now + 5 * 60_000, now))).toBe("5 分钟后重置");
    expect(inLang("zh-CN", () => resetsIn(now - 5000, now))).toBe("即将重置");
  });
});

import { describe, expect, it } from "vitest";
import {
  formatAgo, formatAxisDay, formatAxisTime, formatClock, formatCount, formatDateTime, formatDay, formatDayRange, formatDuration,
  formatTokens, formatUsd, shortUrl, spentPercent,
} from "./format";
import { setLang, type Lang } from "./i18n/index.svelte";

describe("formatDuration", () => {
  it("uses ms below a second, tenths below ten seconds", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(849.6)).toBe("850 ms");
    expect(formatDuration(1234)).toBe("1.2 s");
    expect(formatDuration(42_000)).toBe("42 s");
  });
  it("uses minutes and hours with padded parts", () => {
    expect(formatDuration(125_000)).toBe("2 m 05 s");
    expect(formatDuration(3_780_000)).toBe("1 h 03 m");
  });
  it("shows a dash for missing or bogus values", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-5)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
  });
});

describe("formatTokens", () => {
  it("keeps small numbers whole", () => {
    expect(formatTokens(0)).toBe("0");
    expect(formatTokens(999)).toBe("999");
  });
  it("abbreviates thousands, millions and billions", () => {
    expect(formatTokens(1000)).toBe("1k");
    expect(formatTokens(1250)).toBe("1.3k");
    expect(formatTokens(45_300)).toBe("45k");
    expect(formatTokens(999_499)).toBe("999k");
    expect(formatTokens(999_500)).toBe("1M");
    expect(formatTokens(1_340_000)).toBe("1.3M");
    expect(formatTokens(2_100_000_000)).toBe("2.1B");
  });
  it("formats counts with separators", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
  });
});

describe("misc", () => {
  it("shortens URLs to host and path", () => {
    expect(shortUrl("https://relay.example.com/v1")).toBe("relay.example.com/v1");
    expect(shortUrl("http://127.0.0.1:8080/")).toBe("127.0.0.1:8080");
    expect(shortUrl("not a url")).toBe("not a url");
  });
  it("computes the share of budget spent, clamped", () => {
    expect(spentPercent(25, 100)).toBe(25);
    expect(spentPercent(150, 100)).toBe(100);
    expect(spentPercent(5, 0)).toBeNull();
    expect(spentPercent(null, 10)).toBeNull();
  });
  it("says how long ago", () => {
    const now = 1_700_000_000_000;
    expect(formatAgo(now - 10_000, now)).toBe("just now");
    expect(formatAgo(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(formatAgo(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(formatAgo(now - 3 * 86_400_000, now)).toBe("3 d ago");
  });
});

// Dates, numbers and money follow the UI language (intlTag()), not the
// system locale; the window switches languages without a restart.
describe("locale formatting", () => {
  const at = new Date(2026, 11, 2, 16, 5, 3).getTime(); // local time: no time-zone dependence
  const inLang = <T>(l: Lang, f: () => T): T => {
    setLang(l);
    try {
      return f();
    } finally {
      setLang("en");
    }
  };

  it("writes a date and time as each language does", () => {
    expect(inLang("en", () => formatDateTime(at))).toBe("Dec 2, 2026, 16:05");
    expect(inLang("zh-CN", () => formatDateTime(at))).toBe("2026年12月2日 16:05");
    expect(inLang("en", () => formatDay("2026-12-02"))).toBe("Dec 2, 2026");
    expect(inLang("zh-CN", () => formatDay("2026-12-02"))).toBe("2026年12月2日");
    expect(inLang("zh-CN", () => formatDayRange("2026-12-02", "2026-12-02"))).toBe("2026年12月2日");
    expect(formatDay("not a day")).toBe("not a day");
  });

  it("labels chart axes in the language (days) and 24-hour (times)", () => {
    expect(inLang("en", () => formatAxisDay(at / 1000))).toBe("Dec 2");
    expect(inLang("zh-CN", () => formatAxisDay(at / 1000))).toBe("12月2日");
    expect(inLang("en", () => formatAxisTime(at / 1000))).toBe("16:05");
    expect(inLang("zh-CN", () => formatAxisTime(at / 1000))).toBe("16:05");
    expect(inLang("zh-CN", () => formatClock(at))).toBe("16:05:03");
  });

  it("groups numbers and writes USD amounts for the language", () => {
    expect(inLang("en", () => formatCount(1234567))).toBe("1,234,567");
    expect(inLang("zh-CN", () => formatCount(1234567))).toBe("1,234,567");
    expect(inLang("en", () => formatUsd(1234.5))).toBe("$1,234.50");
    expect(inLang("zh-CN", () => formatUsd(1234.5))).toBe("US$1,234.50");
    expect(inLang("zh-CN", () => formatUsd(0.0123, 4))).toBe("US$0.0123");
    expect(formatUsd(null)).toBe("—");
  });
});

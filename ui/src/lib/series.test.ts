import { describe, expect, it } from "vitest";
import { dailySeries, dayRange, perMinute } from "./series";

describe("dailySeries", () => {
  it("fills every day and groups by service and upstream", () => {
    const s = dailySeries(
      [
        { day: "2026-11-02", service: "codex", config: "main", upstream: "https://a", requests: 3, total_tokens: 300 },
        { day: "2026-11-02", service: "codex", config: "alt", upstream: "https://a", requests: 1, total_tokens: 50 },
        { day: "2026-11-03", service: "claude", config: "main", upstream: "", requests: 2, total_tokens: 0 },
      ],
      "2026-11-01",
      "2026-11-03",
    );
    expect(s.days).toEqual(["2026-11-01", "2026-11-02", "2026-11-03"]);
    expect(s.lines.map((l) => l.label)).toEqual(["codex · https://a", "claude · (none)"]);
    expect(s.lines[0].requests).toEqual([0, 4, 0]);
    expect(s.lines[0].tokens).toEqual([0, 350, 0]);
    expect(s.lines[1].requests).toEqual([0, 0, 2]);
  });
  it("crosses month ends", () => {
    expect(dayRange("2026-02-27", "2026-03-01")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01"]);
  });
});

describe("perMinute", () => {
  it("counts requests into minute buckets ending with the current minute", () => {
    const now = Date.UTC(2026, 10, 1, 12, 30, 20);
    const min = (m: number, s = 0) => Date.UTC(2026, 10, 1, 12, m, s);
    const r = perMinute([min(30, 1), min(30, 15), min(29, 59), min(25), min(10)], now, 5);
    expect(r.x.length).toBe(5);
    expect(r.x[4]).toBe(min(30) / 1000);
    expect(r.y).toEqual([0, 0, 0, 1, 2]);
  });
});

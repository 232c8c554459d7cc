import { describe, expect, it } from "vitest";
import { chartLines, perMinute } from "./series";

describe("chartLines", () => {
  it("labels Rust's lines and keeps its days and counts as sent", () => {
    const lines = chartLines({
      days: ["2026-11-01", "2026-11-02", "2026-11-03"],
      lines: [
        { service: "codex", upstream: "https://a", requests: [0, 4, 0], total_tokens: [0, 350, 0] },
        { service: "claude", upstream: "", requests: [0, 0, 2], total_tokens: [0, 0, 0] },
      ],
    });
    expect(lines.map((l) => l.label)).toEqual(["codex · https://a", "claude · (none)"]);
    expect(lines[0].requests).toEqual([0, 4, 0]);
    expect(lines[0].total_tokens).toEqual([0, 350, 0]);
    expect(lines[1].upstream).toBe(""); // the label says "(none)", in the UI language
    expect(lines[1].requests).toEqual([0, 0, 2]);
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

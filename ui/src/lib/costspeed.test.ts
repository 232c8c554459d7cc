import { describe, expect, it } from "vitest";
import { inLang } from "./i18n/inLang";
import { costByModel, costPerDay, formatCost, speedLine } from "./costspeed";
import type { ModelRow, SpeedResult, Summary } from "../bindings";

const row = (model: string, cost: number, requests: number, unpriced = 0): ModelRow => ({
  day: "2026-12-01", service: "codex", model, requests, errors: 0, input_tokens: 0, output_tokens: 0,
  reasoning_tokens: 0, total_tokens: 0, cost_usd: cost, unpriced_requests: unpriced,
});

const result = (over: Partial<SpeedResult>): SpeedResult => ({
  service: "codex", config: "main", base_url: "https://a", alias: null, protocol: "responses", model: "gpt-5",
  status: "ok", http_status: 200, connect_ms: 12, ttft_ms: 340, tokens_per_s: 41.26, output_tokens: 5, error: null, ...over,
});

describe("formatCost", () => {
  it("uses more decimals for small sums", () => {
    expect(formatCost(12.345)).toBe("$12.35");
    expect(formatCost(0.0123)).toBe("$0.0123");
    expect(formatCost(0.00001748)).toBe("$0.000017");
    expect(formatCost(0)).toBe("$0.00");
    expect(formatCost(null)).toBe("—");
    expect(formatCost(NaN)).toBe("—");
  });
});

describe("costByModel", () => {
  it("sums a model over days, most expensive first, names the unknown", () => {
    const g = costByModel([row("gpt-5", 0.5, 2), row("", 0, 3, 3), row("gpt-5", 0.25, 1), row("o3", 1, 1)]);
    expect(g.map((x) => [x.model, x.cost, x.requests])).toEqual([["o3", 1, 1], ["gpt-5", 0.75, 3], ["unknown model", 0, 3]]);
    expect(g[2].unpriced).toBe(3);
  });
});

describe("costPerDay", () => {
  it("adds every line's cost per day", () => {
    const s = { series: { days: ["a", "b"], lines: [
      { service: "codex", upstream: "x", requests: [1, 1], total_tokens: [1, 1], cost_usd: [0.5, 0.25] },
      { service: "claude", upstream: "y", requests: [1, 1], total_tokens: [1, 1], cost_usd: [0, 1] },
    ] } } as unknown as Summary;
    expect(costPerDay(s)).toEqual([{ day: "a", cost: 0.5 }, { day: "b", cost: 1.25 }]);
  });
});

describe("speedLine", () => {
  it("shows times for an answer and the status for a failure", () => {
    expect(speedLine(result({}))).toBe("connect 12 ms · TTFT 340 ms · 41.3 tok/s");
    expect(speedLine(result({ tokens_per_s: null }))).toBe("connect 12 ms · TTFT 340 ms");
    expect(speedLine(result({ status: "http_401", error: "bad key" }))).toBe("http_401: bad key");
    expect(speedLine(result({ status: "timeout", error: null }))).toBe("timeout");
  });
});

/** `f` run with the UI in `lang`, then back in English. */
describe("in Chinese", () => {
  it("writes costs with the currency as zh-CN does and the speed line in Chinese", () => {
    expect(inLang("zh-CN", () => formatCost(12.345))).toBe("US$12.35");
    expect(inLang("zh-CN", () => formatCost(0.00001748))).toBe("US$0.000017");
    expect(inLang("zh-CN", () => speedLine(result({})))).toBe("连接 12 ms · 首字延迟 340 ms · 41.3 tok/s");
    expect(inLang("zh-CN", () => speedLine(result({ status: "timeout", error: "no complete answer within 30s" })))).toBe(
      "超时：no complete answer within 30s", // core's detail as it is
    );
    expect(inLang("zh-CN", () => speedLine(result({ status: "http_503", error: null })))).toBe("HTTP 503");
    expect(speedLine(result({ status: "http_503", error: null }))).toBe("http_503");
    expect(inLang("zh-CN", () => costByModel([{ service: "codex", model: "", requests: 1, cost_usd: 0 } as ModelRow])[0].model)).toBe("未知模型");
  });
});

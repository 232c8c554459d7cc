import { describe, expect, it } from "vitest";
import { inLang } from "./i18n/inLang";
import {
  checkMapRows, labelWithProtocol, mapPairs, mapSummary, nativeProtocol, protocolBadge, protocolChoices, protocolHint, rowsOf,
} from "./modelMap";

describe("protocols", () => {
  it("offers the client's own protocol first, then chat", () => {
    expect(protocolChoices("codex")).toEqual(["responses", "chat"]);
    expect(protocolChoices("claude")).toEqual(["anthropic", "chat"]);
    expect(nativeProtocol("claude")).toBe("anthropic");
  });
  it("says what each means", () => {
    expect(protocolHint("codex", "chat")).toMatch(/\/v1\/chat\/completions.*translates Codex/);
    expect(protocolHint("claude", "chat")).toMatch(/Claude Code/);
    expect(protocolHint("codex", "responses")).toMatch(/\/v1\/responses.*unchanged/);
  });
  it("badges only a protocol that is not the client's own", () => {
    expect(protocolBadge("codex", "chat")).toBe("chat");
    expect(protocolBadge("codex", "responses")).toBeNull();
    expect(protocolBadge("claude", "anthropic")).toBeNull();
    expect(protocolBadge("codex", null)).toBeNull();
    expect(labelWithProtocol("api.deepseek.com", "codex", "chat")).toBe("api.deepseek.com · chat");
    expect(labelWithProtocol("api.openai.com", "codex", "responses")).toBe("api.openai.com");
  });
});

describe("model map rows", () => {
  it("accepts named rows, the catch-all, and ignores an empty row", () => {
    const rows = [
      { from: "gpt-5-codex", to: "deepseek-chat" },
      { from: " * ", to: "deepseek-reasoner" },
      { from: "", to: "" },
    ];
    expect(checkMapRows(rows)).toEqual({});
    expect(mapPairs(rows)).toEqual([
      ["gpt-5-codex", "deepseek-chat"],
      ["*", "deepseek-reasoner"],
    ]);
  });
  it("refuses empty names on either side", () => {
    const errs = checkMapRows([
      { from: "", to: "deepseek-chat" },
      { from: "gpt-5", to: " " },
    ]);
    expect(errs[0]).toMatch(/client's model/);
    expect(errs[1]).toMatch(/“gpt-5”/);
  });
  it("refuses a client model mapped twice (core would keep only the last)", () => {
    const errs = checkMapRows([
      { from: "gpt-5", to: "a" },
      { from: "gpt-5 ", to: "b" },
    ]);
    expect(errs[0]).toBeUndefined();
    expect(errs[1]).toMatch(/mapped twice/);
  });
  it("refuses spaces inside a name", () => {
    expect(checkMapRows([{ from: "gpt 5", to: "x" }])[0]).toMatch(/spaces/);
  });
  it("round-trips a stored map", () => {
    const map = { "gpt-5-codex": "deepseek-chat", "*": "deepseek-chat" };
    expect(mapPairs(rowsOf(map))).toEqual(Object.entries(map));
    expect(rowsOf({})).toEqual([]);
    expect(mapSummary(map)).toBe("gpt-5-codex→deepseek-chat, *→deepseek-chat");
  });
});

/** `f` run with the UI in `lang`, then back in English. */
describe("in Chinese", () => {
  it("explains the protocols and refused map rows in Chinese", () => {
    expect(inLang("zh-CN", () => protocolHint("claude", "chat"))).toContain("代理会转换 Claude Code 的请求");
    expect(inLang("zh-CN", () => checkMapRows([{ from: "gpt-5", to: "" }]))).toEqual({ 0: "请填写中转对应 “gpt-5” 的模型名" });
  });
});

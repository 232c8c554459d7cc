import { describe, expect, it } from "vitest";
import { inLang } from "./i18n/inLang";
import {
  checkBaseUrl, checkConfigName, checkHeaderRows, checkKey, checkMaxConcurrent, hasErrors, keyKindOf, testPlan, toAddArgs, toUpdateArgs, validateUpstream,
  type StoredUpstream, type UpstreamForm,
} from "./validate";

const good: UpstreamForm = {
  service: "codex",
  config: "main",
  baseUrl: "https://relay.example.com/v1",
  keyKind: "auth_token",
  key: "sk-abc123",
  tags: [{ key: "provider_id", value: "packy" }],
  protocol: "responses",
  modelMap: [],
  keyAlias: "",
  headers: [],
  maxConcurrent: "",
};

describe("checkBaseUrl", () => {
  it("accepts http and https URLs with a host", () => {
    expect(checkBaseUrl("https://relay.example.com/v1")).toBeNull();
    expect(checkBaseUrl("http://10.0.0.5:8080")).toBeNull();
  });
  it("refuses what core would refuse", () => {
    expect(checkBaseUrl("")).toMatch(/base URL/);
    expect(checkBaseUrl(" https://a.example ")).toMatch(/spaces/);
    expect(checkBaseUrl("relay.example.com")).toMatch(/Not a valid URL/);
    expect(checkBaseUrl("ftp://relay.example.com")).toMatch(/http and https/);
    expect(checkBaseUrl("https://user:pw@relay.example.com")).toMatch(/user name/);
    expect(checkBaseUrl("https://relay.example.com/v1?key=1")).toMatch(/query/);
    expect(checkBaseUrl("https://relay.example.com/v1#x")).toMatch(/fragment/);
  });
});

describe("checkKey", () => {
  it("requires a key unless none was chosen", () => {
    expect(checkKey("", "auth_token")).toMatch(/Paste the key/);
    expect(checkKey("   ", "api_key")).toMatch(/Paste the key/);
    expect(checkKey("", "none")).toBeNull();
    expect(checkKey("sk-1\n", "auth_token")).toBeNull();
  });
  it("refuses keys with inner spaces", () => {
    expect(checkKey("sk 1", "auth_token")).toMatch(/spaces/);
  });
});

describe("validateUpstream", () => {
  it("passes a good form", () => {
    expect(hasErrors(validateUpstream(good))).toBe(false);
  });
  it("reports each bad field", () => {
    const errors = validateUpstream({
      ...good,
      config: "my config",
      baseUrl: "nope",
      key: "",
      tags: [
        { key: "", value: "x" },
        { key: "a", value: "1" },
        { key: "a", value: "2" },
        { key: "", value: "" },
      ],
    });
    expect(Object.keys(errors).sort()).toEqual(["baseUrl", "config", "key", "tags"]);
    expect(validateUpstream({ ...good, service: "claude" }).protocol).toMatch(/anthropic or chat/);
    expect(validateUpstream({ ...good, modelMap: [{ from: "a", to: "b" }, { from: "a", to: "c" }] }).modelMap).toEqual({ 1: "“a” is mapped twice; keep one row" });
    expect(errors.tags).toEqual({ 0: "A tag needs a key", 2: "Tag “a” appears twice" });
  });
  it("builds add_upstream arguments", () => {
    expect(toAddArgs({ ...good, key: " sk-1 ", tags: [{ key: "a", value: "1" }, { key: " ", value: "" }] })).toEqual({
      auth_token: "sk-1",
      api_key: null,
      tags: [["a", "1"]],
      protocol: "responses",
      model_map: [],
      key_alias: null,
      headers: [],
      max_concurrent: null,
    });
    expect(toAddArgs({ ...good, maxConcurrent: " 4 " }).max_concurrent).toBe(4);
    expect(toAddArgs({ ...good, protocol: "chat", modelMap: [{ from: "gpt-5", to: " mock-chat " }, { from: "", to: "" }] })).toMatchObject({
      protocol: "chat",
      model_map: [["gpt-5", "mock-chat"]],
    });
    expect(toAddArgs({ ...good, keyKind: "api_key" }).api_key).toBe("sk-abc123");
    expect(toAddArgs({ ...good, keyKind: "none" })).toMatchObject({ auth_token: null, api_key: null });
  });
});

describe("extra headers and the key name", () => {
  it("refuses headers the proxy owns, bad names and duplicates; ignores empty rows", () => {
    expect(checkHeaderRows([{ name: "X-Title", value: "My app" }, { name: "", value: "" }])).toEqual({});
    const errs = checkHeaderRows([
      { name: "Authorization", value: "Bearer x" },
      { name: "Host", value: "a" },
      { name: "bad name", value: "a" },
      { name: "x-title", value: "a" },
      { name: "X-Title", value: "b" },
      { name: "", value: "orphan" },
    ]);
    expect(errs[0]).toContain("Key field");
    expect(errs[1]).toContain("set by the proxy");
    expect(errs[2]).toContain("not a header name");
    expect(errs[3]).toBeUndefined();
    expect(errs[4]).toContain("twice");
    expect(errs[5]).toContain("needs a name");
    expect(validateUpstream({ ...good, headers: [{ name: "Content-Length", value: "1" }] }).headers).toBeDefined();
  });

  it("sends trimmed header rows and the key name", () => {
    const args = toAddArgs({
      ...good,
      keyAlias: " spare ",
      headers: [{ name: " HTTP-Referer ", value: " https://me.example " }, { name: "", value: "" }],
    });
    expect(args.key_alias).toBe("spare");
    expect(args.headers).toEqual([["HTTP-Referer", "https://me.example"]]);
    expect(toAddArgs(good)).toMatchObject({ key_alias: null, headers: [] });
  });
});

describe("editing a saved upstream", () => {
  const stored: StoredUpstream = { config: "main", baseUrl: "https://relay.example.com/v1", keyKind: "auth_token" };
  const editForm: UpstreamForm = { ...good, key: "" };

  it("reads the stored key's kind from the masked view", () => {
    expect(keyKindOf({ auth_token: "sk-…abcd", api_key: null })).toBe("auth_token");
    expect(keyKindOf({ auth_token: null, api_key: "sk-…abcd" })).toBe("api_key");
    expect(keyKindOf({ auth_token: "sk-…abcd", api_key: "sk-…efgh" })).toBe("auth_token");
    expect(keyKindOf({ auth_token: null, api_key: null })).toBe("none");
  });

  it("does not require the key again", () => {
    expect(hasErrors(validateUpstream(editForm, stored))).toBe(false);
    expect(checkKey("", "auth_token", stored)).toBeNull();
    // Adding still requires one.
    expect(validateUpstream(editForm).key).toMatch(/Paste the key/);
  });

  it("requires the key when its kind changes or there was none", () => {
    expect(checkKey("", "api_key", stored)).toMatch(/store it as an API key/);
    expect(checkKey("", "auth_token", { ...stored, keyKind: "none" })).toMatch(/Paste the key/);
    expect(checkKey("sk 1", "auth_token", stored)).toMatch(/spaces/);
  });

  it("keeps the stored key unless one is pasted or “no key” chosen", () => {
    const moved = { ...editForm, baseUrl: "https://new.example.com/v1", tags: [{ key: "a", value: "1" }] };
    expect(toUpdateArgs(moved, stored)).toEqual({
      base_url: "https://relay.example.com/v1",
      new_base_url: "https://new.example.com/v1",
      key: null,
      tags: [["a", "1"]],
      protocol: "responses",
      model_map: [],
      key_alias: "",
      headers: [],
      clear_max_concurrent: false,
    });
    // The protocol and the whole map go with every edit (the form starts from the stored ones).
    expect(toUpdateArgs({ ...editForm, protocol: "chat", modelMap: [{ from: "*", to: "deepseek-chat" }] }, stored)).toMatchObject({
      protocol: "chat",
      model_map: [["*", "deepseek-chat"]],
    });
    expect(toUpdateArgs({ ...editForm, key: " sk-new\n" }, stored).key).toEqual({ auth_token: "sk-new", api_key: null });
    expect(toUpdateArgs({ ...editForm, keyKind: "api_key", key: "sk-new" }, stored).key).toEqual({
      auth_token: null,
      api_key: "sk-new",
    });
    // Choosing “no key” removes it; a keyless upstream left keyless is unchanged.
    expect(toUpdateArgs({ ...editForm, keyKind: "none" }, stored).key).toEqual({ auth_token: null, api_key: null });
    expect(toUpdateArgs({ ...editForm, keyKind: "none" }, { ...stored, keyKind: "none" }).key).toBeNull();
  });

  it("sends the key name, headers, cap and the upstream's position", () => {
    const pooled: StoredUpstream = { ...stored, index: 2, hadCap: true };
    const args = toUpdateArgs(
      { ...editForm, keyAlias: " work ", headers: [{ name: "X-Title", value: "me" }], maxConcurrent: "3" },
      pooled,
    );
    expect(args).toMatchObject({ index: 2, key_alias: "work", headers: [["X-Title", "me"]], max_concurrent: 3 });
    expect(args.clear_max_concurrent).toBeUndefined();
    // An emptied cap field removes a stored cap; no cap before: nothing to clear.
    expect(toUpdateArgs(editForm, pooled)).toMatchObject({ clear_max_concurrent: true, key_alias: "" });
    expect(toUpdateArgs(editForm, stored).clear_max_concurrent).toBe(false);
  });

  it("checks the cap like core does", () => {
    expect(checkMaxConcurrent("")).toBeNull();
    expect(checkMaxConcurrent("8")).toBeNull();
    expect(checkMaxConcurrent("0")).toMatch(/At least 1/);
    expect(checkMaxConcurrent("2.5")).toMatch(/whole number/);
    expect(validateUpstream({ ...good, maxConcurrent: "-1" }).maxConcurrent).toMatch(/whole number/);
  });

  it("tests with the stored key only at the URL it was saved for", () => {
    expect(testPlan(editForm)).toEqual({ kind: "typed" });
    expect(testPlan(editForm, stored)).toEqual({ kind: "stored" });
    expect(testPlan({ ...editForm, key: "sk-new" }, stored)).toEqual({ kind: "typed" });
    const moved = testPlan({ ...editForm, baseUrl: "https://new.example.com/v1" }, stored);
    expect(moved.kind).toBe("needs_key");
    expect(moved.kind === "needs_key" && moved.message).toMatch(/Paste the key to test the new URL/);
    expect(testPlan({ ...editForm, keyKind: "none" }, { ...stored, keyKind: "none" })).toEqual({ kind: "typed" });
  });
});

/** `f` run with the UI in `lang`, then back in English. */
describe("in Chinese", () => {
  it("explains a refused field in Chinese, values as typed", () => {
    expect(inLang("zh-CN", () => checkBaseUrl("ftp://relay.example.com"))).toBe("只支持 http 和 https 的 URL（当前为 ftp）");
    expect(inLang("zh-CN", () => checkBaseUrl(""))).toBe("请输入中转的 Base URL，例如 https://api.example.com/v1");
    expect(inLang("zh-CN", () => checkConfigName("my config"))).toBe("配置名称不能包含空格或控制字符");
    expect(inLang("zh-CN", () => checkHeaderRows([{ name: "Authorization", value: "x" }]))).toEqual({ 0: "Authorization 用于携带密钥：请填在“密钥”一栏" });
  });
});

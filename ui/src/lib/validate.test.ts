import { describe, expect, it } from "vitest";
import { checkBaseUrl, checkKey, hasErrors, toAddArgs, validateUpstream, type UpstreamForm } from "./validate";

const good: UpstreamForm = {
  service: "codex",
  config: "main",
  baseUrl: "https://relay.example.com/v1",
  keyKind: "auth_token",
  key: "sk-abc123",
  tags: [{ key: "provider_id", value: "packy" }],
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
    expect(errors.tags).toEqual({ 0: "A tag needs a key", 2: "Tag “a” appears twice" });
  });
  it("builds add_upstream arguments", () => {
    expect(toAddArgs({ ...good, key: " sk-1 ", tags: [{ key: "a", value: "1" }, { key: " ", value: "" }] })).toEqual({
      authToken: "sk-1",
      apiKey: null,
      tags: [["a", "1"]],
    });
    expect(toAddArgs({ ...good, keyKind: "api_key" }).apiKey).toBe("sk-abc123");
    expect(toAddArgs({ ...good, keyKind: "none" })).toMatchObject({ authToken: null, apiKey: null });
  });
});

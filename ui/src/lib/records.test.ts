import { describe, expect, it } from "vitest";
import type { RequestRecord } from "../bindings";
import { isError, matches, route, toRow } from "./records";

const rec = (over: Partial<RequestRecord> = {}): RequestRecord =>
  ({ timestamp_ms: 1, service: "codex", method: "POST", path: "/v1/responses", status_code: 200, duration_ms: 5,
     config_name: "main", upstream_base_url: "https://a.example/v1", usage: { total_tokens: 42 }, ...over }) as RequestRecord;

describe("log rows", () => {
  it("fills defaults for missing fields", () => {
    const r = toRow({} as RequestRecord);
    expect(r).toMatchObject({ timestamp_ms: 0, service: "", status_code: 0, total_tokens: 0, attempts: 0, error: null });
  });
  it("classifies errors like the backend", () => {
    expect(isError(toRow(rec()))).toBe(false);
    expect(isError(toRow(rec({ status_code: 429 })))).toBe(true);
    expect(isError(toRow(rec({ status_code: 200, error: "stream cut" })))).toBe(true);
  });
  it("filters by service, status and config", () => {
    const r = toRow(rec({ status_code: 502 }));
    expect(matches(r, { service: "", status: "", config: "" })).toBe(true);
    expect(matches(r, { service: "claude", status: "", config: "" })).toBe(false);
    expect(matches(r, { service: "codex", status: "ok", config: "" })).toBe(false);
    expect(matches(r, { service: "codex", status: "error", config: "main" })).toBe(true);
    expect(matches(r, { service: "", status: "", config: "alt" })).toBe(false);
  });
  it("shows config → upstream", () => {
    expect(route(toRow(rec()), (u) => u.replace("https://", ""))).toBe("main → a.example/v1");
    expect(route(toRow(rec({ config_name: "", upstream_base_url: "" })), (u) => u)).toBe("—");
  });
});

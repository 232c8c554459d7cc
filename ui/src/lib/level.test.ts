import { describe, expect, it } from "vitest";
import type { Serving, ServiceReport, StatusReport } from "../bindings";
import { levelBadge } from "./level";

function service(name: "codex" | "claude", serving: Serving, states: ("ok" | "cooling_down" | "exhausted")[]): ServiceReport {
  return {
    service: name, port: 3211, enabled: true, serving, listening: true, port_taken_by_other: false,
    owner: "app", pid: 1, version: "0.1.0", started_at_ms: 1, serves_service: null,
    active_config: states.length ? "main" : null, config_problem: null, settings_problem: null, live_error: null,
    upstreams: states.map((state, i) => ({ base_url: `https://u${i}.example/v1`, label: `u${i}.example`, key: null, state, live: null, quota: null })),
    requests: { total: 0, errors: 0 }, switch: null, switch_error: null, quota: [],
    level: "off",
  };
}

const report = (level: StatusReport["level"], services: ServiceReport[]): StatusReport => ({ services, level, quota_problem: null });

describe("levelBadge", () => {
  it("says loading, or that the backend is away, before a report", () => {
    expect(levelBadge(null, null).text).toBe("Loading…");
    expect(levelBadge(null, "no agent").text).toBe("Backend unavailable");
  });

  // Regression (issue 10): the sidebar computed its own "overall" and
  // disagreed with the tray. It now shows the level Rust decided, whatever
  // the services would suggest to a re-derivation.
  it("shows the backend's level, not one re-derived from the services", () => {
    const helper: Serving = { kind: "taken_by_helper", port: 3211, identity: { app: "codex-helper", version: "0.1.0", service: "codex", pid: 2, port: 3211, owner: "cli" } };
    // One service down next to a healthy one: Down (pooling upstreams said "Degraded").
    const down = report("down", [service("codex", { kind: "serving", port: 3211 }, ["exhausted"]), service("claude", { kind: "serving", port: 3210 }, ["ok"])]);
    expect(levelBadge(down, null)).toEqual({ cls: "bad", text: "Upstreams down" });
    // Only a service without configs is served: Off (the old code said "Serving").
    const unconfigured = report("off", [service("claude", { kind: "serving", port: 3210 }, [])]);
    expect(levelBadge(unconfigured, null)).toEqual({ cls: "muted", text: "Proxies off" });
    expect(levelBadge(report("serving", [service("codex", helper, ["ok"])]), null)).toEqual({ cls: "ok", text: "Serving" });
    expect(levelBadge(report("degraded", []), null)).toEqual({ cls: "warn", text: "Degraded" });
  });
});

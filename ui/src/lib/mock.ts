// A fake Tauri backend for previewing the UI in a plain browser
// (`npm run build:mock`, then open dist-mock/index.html). Imported only when
// import.meta.env.MODE === "mock"; never part of the production bundle.

import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type {
  AppSettings, ModelRow, ProxyLbSettings, QuotaSource, QuotaState, RequestRecord, RuleRow, ServiceView, SessionInfo, SpeedResult, StatusReport, Summary, SummaryRow, Report,
} from "../bindings";

const now = Date.now();
const A = "https://api.packycode.com/v1";
const B = "https://relay.aicodemirror.com/v1";
const C = "https://anyrouter.top";

const configs: Record<string, ServiceView> = {
  codex: {
    service: "codex",
    active: "main",
    configs: [
      {
        name: "main", alias: null, active: true, strategy: "priority",
        upstreams: [
          { base_url: A, auth_token: "sk-…9f3a", api_key: null, alias: null, key_label: "sk-…9f3a", tags: { provider_id: "packy" }, protocol: "responses", model_map: {}, headers: {}, max_concurrent: null },
          { base_url: B, auth_token: "sk-…11c0", api_key: null, alias: null, key_label: "sk-…11c0", tags: {}, protocol: "chat", model_map: { "gpt-5-codex": "deepseek-chat" }, headers: { "X-Title": "codex-helper" }, max_concurrent: 4 },
        ],
      },
      { name: "backup", alias: "cheap", active: false, strategy: "priority", upstreams: [{ base_url: "https://api.openai.com/v1", auth_token: null, api_key: "sk-…x7Qe", alias: null, key_label: "sk-…x7Qe", tags: {}, protocol: "responses", model_map: {}, headers: {}, max_concurrent: null }] },
    ],
  },
  claude: {
    service: "claude",
    active: "work",
    configs: [{ name: "work", alias: null, active: true, strategy: "priority", upstreams: [{ base_url: C, auth_token: "sk-…a2b1", api_key: null, alias: null, key_label: "sk-…a2b1", tags: {}, protocol: "anthropic", model_map: {}, headers: {}, max_concurrent: null }] }],
  },
};

/** What importing from cc-switch or the original codex-helper would add (keys masked). */
function mockPlan(source: "cc-switch" | "codex-helper") {
  return {
    source: source === "cc-switch" ? "~/.cc-switch/cc-switch.db" : "~/.codex-helper/config.toml",
    format: source === "cc-switch" ? "sqlite" : "toml v3",
    configs: [
      { service: "claude" as const, name: "Packy", source_name: "Packy", base_url: "https://api.packy.example", key: "sk-…1234", current: true },
      { service: "codex" as const, name: "Yes-Relay", source_name: "Yes Relay", base_url: "https://co.yes.example/v1", key: "cr-…5678", current: true },
    ],
    skipped: [
      { app: "claude", name: "Claude Official", reason: "no ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY in its env (an official login cannot be proxied)" },
      { app: "gemini", name: "Gemini", reason: "codex-helper proxies Codex and Claude Code only, not gemini" },
    ],
  };
}

function label(url: string): string {
  return url.replace(/^[a-z]+:\/\//, "").split(/[/?#]/)[0];
}

function status(): StatusReport {
  const act = configs.codex.active ?? "";
  const packy: QuotaState = { provider_id: "packy", service: "codex", config: "main", base_url: A, budget_usd: 50, spent_usd: 31.4, remaining_pct: 37.2, exhausted: false, checked_at_ms: now - 60_000, error: null, kind: "budget_http_json", key_label: null, key_id: "", state: "ok", windows: [{ name: "monthly", used: 31.4, limit: 50, remaining_pct: 37.2, resets_at_ms: null, unit: "usd" }] };
  const anyrouter: QuotaState = { provider_id: "anyrouter", service: "claude", config: "work", base_url: C, budget_usd: 20, spent_usd: 20, remaining_pct: 0, exhausted: true, checked_at_ms: now - 30_000, error: null, kind: "budget_http_json", key_label: null, key_id: "", state: "exhausted", windows: [{ name: "monthly", used: 20, limit: 20, remaining_pct: 0, resets_at_ms: null, unit: "usd" }] };
  const mirror: QuotaState = { provider_id: "aicodemirror", service: "codex", config: "main", base_url: B, budget_usd: null, spent_usd: null, remaining_pct: 62, exhausted: false, checked_at_ms: now - 20_000, error: null, kind: "json_fields", key_label: "sk-…11c0", key_id: "k2", state: "ok", windows: mirrorWindows() };
  const common = { enabled: true, listening: true, port_taken_by_other: false, version: "0.1.0", started_at_ms: now - 3_600_000, serves_service: null, live_error: null };
  return {
    quota_problem: null,
    level: "down",
    services: [
      {
        ...common, service: "codex", port: 3211, owner: "app", pid: 48100, level: "degraded",
        serving: { kind: "serving", port: 3211 }, config_problem: null, settings_problem: null, switch_error: null, active_config: act,
        upstreams: configs.codex.configs.filter((c) => c.name === act).flatMap((c) => c.upstreams.map((u, i) => ({
          base_url: u.base_url, label: label(u.base_url), name: label(u.base_url), key: u.auth_token ?? u.api_key, max_concurrent: u.max_concurrent,
          state: u.base_url === B ? "cooling_down" : "ok",
          quota: u.base_url === A ? packy : null,
          live: {
            config: c.name, base_url: u.base_url, index: i,
            state: u.base_url === B ? "cooling_down" : "ok",
            cooldown_remaining_ms: u.base_url === B ? 23_000 : null, consecutive_failures: u.base_url === B ? 3 : 0,
            exhausted: false, last_error: u.base_url === B ? "HTTP 502 Bad Gateway" : null,
            last_error_at_ms: u.base_url === B ? now - 40_000 : null, last_status: u.base_url === B ? 502 : 200,
            requests: u.base_url === A ? 412 : 37, successes: u.base_url === A ? 409 : 30, failures: u.base_url === A ? 3 : 7,
            in_flight: u.max_concurrent != null ? 2 : 0,
          },
        }) as const)),
        quota: [packy, mirror],
        switch: { service: "codex", file: "~/.codex/config.toml", client_dir_exists: true, file_exists: true, points_at_proxy: true, port: 3211, backup: null, recorded: true },
        requests: { total: 449, errors: 10 },
      },
      {
        ...common, service: "claude", port: 3210, owner: "cli", pid: 48213, level: "down",
        serving: { kind: "taken_by_helper", port: 3210, identity: { app: "codex-helper", version: "0.1.0", service: "claude", pid: 48213, port: 3210, owner: "cli" } },
        config_problem: null, settings_problem: null, switch_error: null, active_config: "work",
        upstreams: [{
          base_url: C, label: label(C), name: label(C), key: "sk-…a2b1", max_concurrent: null, state: "exhausted", quota: anyrouter,
          live: { config: "work", base_url: C, index: 0, state: "exhausted", cooldown_remaining_ms: null, consecutive_failures: 0, exhausted: true, last_error: "quota exhausted (spent $20.00 of $20.00)", last_error_at_ms: now - 600_000, last_status: 429, requests: 88, successes: 80, failures: 8, in_flight: 0 },
        }],
        quota: [anyrouter],
        switch: { service: "claude", file: "~/.claude/settings.json", client_dir_exists: true, file_exists: true, points_at_proxy: false, port: null, backup: null, recorded: false },
        requests: { total: 88, errors: 8 },
      },
    ],
  };
}

let seq = 0;
function record(ts: number): RequestRecord {
  seq += 1;
  const claude = seq % 4 === 0;
  const err = seq % 9 === 0;
  const tokens = 800 + ((seq * 7919) % 9000);
  return {
    timestamp_ms: ts, service: claude ? "claude" : "codex", method: "POST",
    path: claude ? "/v1/messages" : "/v1/responses", status_code: err ? 502 : 200,
    duration_ms: 400 + ((seq * 131) % 5200), config_name: claude ? "work" : "main",
    upstream_base_url: claude ? C : err ? B : A,
    usage: { input_tokens: Math.round(tokens * 0.8), output_tokens: Math.round(tokens * 0.2), reasoning_tokens: 0, total_tokens: err ? 0 : tokens, cached_input_tokens: 0 },
    ttfb_ms: 300, session_id: null, attempts: err ? [] : [], error: err ? "upstream answered 502 Bad Gateway" : null, streamed: true,
  };
}
const logs: RequestRecord[] = [];
for (let t = now - 45 * 60_000; t < now; t += 20_000 + ((t / 1000) % 7) * 9_000) logs.push(record(t));

function summary(days: number): Summary {
  const rows: SummaryRow[] = [];
  const day = (back: number) => new Date(now - back * 86_400_000).toISOString().slice(0, 10);
  for (let b = days - 1; b >= 0; b--) {
    const f = 1 + ((b * 37) % 5);
    rows.push({ day: day(b), service: "claude", config: "work", upstream: C, requests: 20 * f, errors: f, input_tokens: 90_000 * f, output_tokens: 20_000 * f, reasoning_tokens: 0, total_tokens: 110_000 * f, cached_input_tokens: 60_000 * f, cost_usd: 0.588 * f, unpriced_requests: 0 });
    rows.push({ day: day(b), service: "codex", config: "main", upstream: A, requests: 60 * f + b, errors: 2, input_tokens: 300_000 * f, output_tokens: 40_000 * f, reasoning_tokens: 10_000, total_tokens: 340_000 * f, cached_input_tokens: 200_000 * f, cost_usd: 0.55 * f, unpriced_requests: 0 });
    if (b % 2 === 0) rows.push({ day: day(b), service: "codex", config: "main", upstream: B, requests: 8 * f, errors: 3, input_tokens: 30_000, output_tokens: 5_000, reasoning_tokens: 0, total_tokens: 35_000, cached_input_tokens: 0, cost_usd: 0, unpriced_requests: 8 * f });
  }
  const totals: Summary["totals"] = {};
  for (const r of rows) {
    const t = (totals[r.service] ??= { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, reasoning_tokens: 0, total_tokens: 0, cached_input_tokens: 0, cost_usd: 0, unpriced_requests: 0 });
    t.requests += r.requests; t.errors += r.errors; t.input_tokens += r.input_tokens; t.output_tokens += r.output_tokens; t.total_tokens += r.total_tokens;
    t.cost_usd = (t.cost_usd ?? 0) + (r.cost_usd ?? 0); t.unpriced_requests = (t.unpriced_requests ?? 0) + (r.unpriced_requests ?? 0);
  }
  // Per model, as core's `models`: the Claude upstream answers Sonnet, A gpt-5-codex, B an unpriced model.
  const model = (r: SummaryRow) => (r.upstream === C ? "claude-sonnet-4-5" : r.upstream === A ? "gpt-5-codex" : "deepseek-chat");
  const models: ModelRow[] = rows.map((r) => ({ ...r, model: model(r) }));
  // What core's `usage::series` sends: every day, one zero-filled line per (service, upstream).
  const dayList = Array.from({ length: days }, (_, i) => day(days - 1 - i));
  const lines: Summary["series"]["lines"] = [];
  for (const r of rows) {
    let line = lines.find((l) => l.service === r.service && l.upstream === r.upstream);
    if (!line) lines.push((line = { service: r.service, upstream: r.upstream, requests: dayList.map(() => 0), total_tokens: dayList.map(() => 0), cost_usd: dayList.map(() => 0) }));
    const i = dayList.indexOf(r.day);
    line.requests[i] += r.requests;
    line.total_tokens[i] += r.total_tokens;
    line.cost_usd![i] = (line.cost_usd![i] ?? 0) + (r.cost_usd ?? 0);
  }
  return { days, from: day(days - 1), to: day(0), rows, totals, models, skipped_lines: 0, first_skipped: null, series: { days: dayList, lines } };
}

/** What core's speed test returns: ranked, answering upstreams first. */
function speedResults(service: "codex" | "claude", all: boolean): SpeedResult[] {
  const out: SpeedResult[] = [];
  for (const c of configs[service].configs) {
    if (!all && !c.active) continue;
    for (const u of c.upstreams) {
      const ok = !u.base_url.includes("aicodemirror");
      out.push({
        service, config: c.name, base_url: u.base_url, alias: u.alias, protocol: u.protocol ?? "responses",
        model: u.model_map["gpt-5-codex"] ?? (service === "codex" ? "gpt-5" : "claude-sonnet-4-5"),
        status: ok ? "ok" : "http_401", http_status: ok ? 200 : 401, connect_ms: ok ? 38 + out.length * 21 : 44,
        ttft_ms: ok ? 410 + out.length * 230 : null, tokens_per_s: ok ? 62.5 - out.length * 9 : null,
        output_tokens: ok ? 5 : null, error: ok ? null : "invalid api key",
      });
    }
  }
  return out.sort((a, b) => Number(b.status === "ok") - Number(a.status === "ok") || (a.ttft_ms ?? 1e9) - (b.ttft_ms ?? 1e9));
}

const sessions: SessionInfo[] = [
  { id: "0199a3c2-7e11-7b40-9a4e-5d2f1c0b8e71", service: "codex", cwd: "/home/ana/projects/shop", started_at: "", started_at_ms: now - 3 * 3_600_000, modified_at_ms: now - 12 * 60_000, file: "", first_message: "fix the failing checkout test and explain why it broke", resume_command: "codex resume 0199a3c2-7e11-7b40-9a4e-5d2f1c0b8e71" },
  { id: "5f0e6a43-2d2b-4c1a-9a37-8f7e1c2d3b4a", service: "claude", cwd: "/home/ana/projects/shop", started_at: "", started_at_ms: now - 26 * 3_600_000, modified_at_ms: now - 20 * 3_600_000, file: "", first_message: "add pagination to the orders API", resume_command: "claude --resume 5f0e6a43-2d2b-4c1a-9a37-8f7e1c2d3b4a" },
  { id: "0199a1f0-1111-7c2d-8e9f-aa00bb11cc22", service: "codex", cwd: "/home/ana/projects/shop", started_at: "", started_at_ms: now - 4 * 86_400_000, modified_at_ms: now - 4 * 86_400_000 + 3_600_000, file: "", first_message: null, resume_command: "codex resume 0199a1f0-1111-7c2d-8e9f-aa00bb11cc22" },
];

let proxySettings: ProxyLbSettings = {
  proxy: { connect_timeout_ms: 5000, response_header_timeout_ms: 120000, stream_idle_timeout_ms: 300000, max_request_body_bytes: 33554432, request_header_timeout_ms: 30000, keep_alive_timeout_ms: 120000, max_connections: 0 },
  lb: { failure_threshold: 3, cooldown_ms: 30000, max_cooldown_ms: 600000, max_concurrent_wait_ms: 30000 },
};
let filterRules: RuleRow[] = [{ op: "replace", source: "acme-corp.internal", target: "[DOMAIN]" }];
const invalid = (field: string, message: string) => ({ kind: "invalid_input", detail: { field, message } });
// What core's filter code does to a sample (literal, in order).
const applyRules = (rules: RuleRow[], text: string) =>
  rules.reduce((t, r) => t.split(r.source).join(r.op === "replace" ? r.target : ""), text);

let settings: AppSettings = { codex: { port: 3211, enabled: true }, claude: { port: 3210, enabled: true }, app: { start_hidden: false, start_at_login: true }, language: "auto" };

const doctor: Report = {
  ok: false, summary: { pass: 5, warn: 1, fail: 1 },
  checks: [
    { id: "config", status: "pass", message: "config.json parses; 2 Codex and 1 Claude configs", fix: null },
    { id: "settings", status: "pass", message: "settings.json parses", fix: null },
    { id: "port.codex", status: "pass", message: "port 3211 is served by this app", fix: null },
    { id: "port.claude", status: "warn", message: "port 3210 is served by ch serve (pid 48213)", fix: "stop `ch serve` to let the app serve Claude, or keep it" },
    { id: "client.codex", status: "pass", message: "Codex points at the proxy (127.0.0.1:3211)", fix: null },
    { id: "client.claude", status: "fail", message: "Claude Code sends to https://anyrouter.top directly", fix: "turn on “Route Claude through proxy” on the Dashboard, or run `ch switch on claude`" },
    { id: "logs", status: "pass", message: "request log is writable (2.1 MB)", fix: null },
  ],
};

// usage_providers.json as the editor sees it (tokens never sent back).
function mirrorWindows() {
  return [
    { name: "5h", used: null, limit: null, remaining_pct: 62, resets_at_ms: Date.now() + 2 * 3600_000 + 5 * 60_000, unit: "percent" },
    { name: "weekly", used: 410, limit: 1000, remaining_pct: 59, resets_at_ms: Date.now() + 3 * 86400_000, unit: "requests" },
  ];
}
const blankSrc = { token_env: null, timeout_secs: null, access_token: null, has_access_token: false, user_id: null, quota_per_unit: null, windows: [], covers: [] };
let quotaSources: QuotaSource[] = [
  { ...blankSrc, id: "packy", kind: "budget_http_json", domains: ["packycode.com"], endpoint: "https://www.packycode.com/api/backend/users/info", poll_interval_secs: 60 },
  { ...blankSrc, id: "aicodemirror", kind: "json_fields", domains: ["aicodemirror.com"], endpoint: "https://www.aicodemirror.com/api/usage", poll_interval_secs: 120,
    windows: [
      { name: "5h", used_percent: "data.five_hour.used_pct", resets_at: "data.five_hour.resets_at", unit: "percent" },
      { name: "weekly", used: "data.week.used", limit: "data.week.limit", resets_in: "data.week.reset_secs", unit: "requests" },
    ] },
  { ...blankSrc, id: "anyrouter", kind: "new_api_user", domains: ["anyrouter.top"], endpoint: "", poll_interval_secs: 300, user_id: 4211, quota_per_unit: 500000, has_access_token: true },
];
const upstreamUrls = (): { service: string; config: string; url: string; key: string }[] =>
  Object.values(configs).flatMap((v) => v.configs.filter((c) => c.active).flatMap((c) => c.upstreams.map((u) => ({ service: v.service, config: c.name, url: u.base_url, key: u.key_label }))));
const covered = (s: QuotaSource) =>
  upstreamUrls().filter((u) => s.domains.some((d) => label(u.url) === d || label(u.url).endsWith(`.${d}`)));
function withCovers(s: QuotaSource): QuotaSource {
  const { access_token: token, ...rest } = s;
  return { ...rest, access_token: null, has_access_token: s.has_access_token || !!token, covers: covered(s).map((u) => `${u.service} · ${u.config} · ${label(u.url)} (${u.key})`) };
}
function checkSource(s: QuotaSource, at = ""): void {
  if (!s.id.trim()) throw invalid(`${at}id`, "is empty; give the provider a name");
  if (!(s.poll_interval_secs! >= 0)) throw invalid(`${at}poll_interval_secs`, "must be a number of seconds (at least 0.25)");
  if (s.endpoint && !/^https?:\/\//.test(s.endpoint)) throw invalid(`${at}endpoint`, "must be an http:// or https:// URL");
  if (s.kind === "new_api_user" && s.user_id == null) throw invalid(`${at}user_id`, "is missing; new-api needs the user's numeric id (sent as New-Api-User)");
  if (s.kind === "json_fields" && s.windows.length === 0) throw invalid(`${at}windows`, "is empty; name at least one window's fields");
}

mockIPC(
  async (cmd, args) => {
    // Commands with more than one argument take one struct, `{ args: {...} }`.
    const raw = (args ?? {}) as Record<string, any>;
    const a = (raw.args ?? raw) as Record<string, any>;
    await new Promise((r) => setTimeout(r, 40));
    switch (cmd) {
      case "live_status": return status();
      case "list_configs": return configs[a.service];
      case "set_active": {
        const v = configs[a.service];
        v.active = a.config;
        v.configs.forEach((c) => (c.active = c.name === a.config));
        setTimeout(() => emit("state-changed", { version: 1 }), 50);
        return null;
      }
      case "remove_config": {
        const v = configs[a.service];
        v.configs = v.configs.filter((c) => c.name !== a.config);
        if (v.active === a.config) v.active = null;
        return { service: a.service, removed: { name: a.config, alias: null, active: false, strategy: "priority", upstreams: [] }, was_active: v.active == null, active: v.active };
      }
      case "add_upstream": {
        const v = configs[a.service];
        let c = v.configs.find((x) => x.name === a.config);
        const created = !c;
        if (!c) v.configs.push((c = { name: a.config, alias: null, active: false, strategy: "priority", upstreams: [] }));
        const key = a.auth_token ?? a.api_key;
        const masked = key ? `${key.slice(0, 3)}…${key.slice(-4)}` : null;
        const alias: string | null = a.key_alias ?? null;
        const up = { base_url: a.base_url, auth_token: a.auth_token ? masked : null, api_key: a.api_key ? masked : null, alias, key_label: alias ?? masked ?? "no key", tags: Object.fromEntries(a.tags),
          protocol: a.protocol ?? (a.service === "claude" ? "anthropic" : "responses"), model_map: Object.fromEntries(a.model_map ?? []),
          headers: Object.fromEntries(a.headers ?? []), max_concurrent: a.max_concurrent ?? null };
        // As core does: the same key (or `replace`) updates, another key for the URL is added.
        const i = c.upstreams.findIndex((u) => u.base_url === a.base_url && (a.replace || (u.auth_token ?? u.api_key) === masked));
        if (i >= 0) c.upstreams[i] = up; else c.upstreams.push(up);
        const keys_at_url = c.upstreams.filter((u) => u.base_url === a.base_url).length;
        return { service: a.service, config: a.config, action: i >= 0 ? "updated" : "added", created, became_active: false, index: i >= 0 ? i : c.upstreams.length - 1, keys_at_url, strategy: c.strategy, upstream: up };
      }
      case "update_upstream": {
        const c = configs[a.service].configs.find((x) => x.name === a.config);
        const i = c ? (a.index ?? c.upstreams.findIndex((u) => u.base_url === a.base_url)) : -1;
        if (!c || i < 0 || !c.upstreams[i]) throw `${a.service} config \`${a.config}\` has no upstream at ${a.base_url}`;
        const old = c.upstreams[i];
        const mask = (k: string | null) => (k ? `${k.slice(0, 3)}…${k.slice(-4)}` : null);
        const up = {
          base_url: a.new_base_url,
          auth_token: a.key ? mask(a.key.auth_token) : old.auth_token,
          api_key: a.key ? mask(a.key.api_key) : old.api_key,
          alias: a.key_alias != null ? a.key_alias || null : old.alias,
          key_label: (a.key_alias || old.alias) ?? (a.key ? mask(a.key.auth_token ?? a.key.api_key) : old.key_label) ?? "no key",
          tags: Object.fromEntries(a.tags),
          protocol: a.protocol ?? old.protocol,
          model_map: a.model_map ? Object.fromEntries(a.model_map) : old.model_map,
          headers: a.headers ? Object.fromEntries(a.headers) : old.headers,
          max_concurrent: a.clear_max_concurrent ? null : a.max_concurrent ?? old.max_concurrent,
        };
        c.upstreams[i] = up;
        return { service: a.service, config: a.config, previous_base_url: a.base_url, index: i, changed: true, key_replaced: a.key != null, upstream: up };
      }
      case "remove_upstream": {
        const c = configs[a.service].configs.find((x) => x.name === a.config);
        const i = a.index ?? (c ? c.upstreams.findIndex((u) => u.base_url === a.base_url) : -1);
        if (!c || !c.upstreams[i] || c.upstreams[i].base_url !== a.base_url) throw `${a.service} config \`${a.config}\` has no upstream at ${a.base_url}`;
        const [removed] = c.upstreams.splice(i, 1);
        return { service: a.service, config: a.config, index: i, removed, now: structuredClone(c) };
      }
      case "set_strategy": {
        const c = configs[a.service].configs.find((x) => x.name === a.config);
        if (!c) throw `${a.service} has no config named \`${a.config}\``;
        const previous = c.strategy;
        c.strategy = a.strategy;
        return { service: a.service, config: a.config, previous, strategy: a.strategy };
      }
      case "test_stored_connection":
        await new Promise((r) => setTimeout(r, 300));
        return { ok: true, status: 200, latency_ms: 164, message: "ok (HTTP 200), with the stored key", detection: null };
      case "test_connection":
        await new Promise((r) => setTimeout(r, 300));
        if (String(a.base_url).includes("bad")) throw "could not connect to bad.example: connection refused";
        return a.auth_token || a.api_key
          ? { ok: true, status: 200, latency_ms: 182, message: "reachable, key accepted", detection: null }
          : { ok: false, status: 401, latency_ms: 95, message: "key rejected", detection: null };
      case "switch_on": case "switch_off": return { service: a.service, file: "", backup: null, port: 3211, changed: true, already: false, restored: null, keys: [], kept: [] };
      case "switch_status": return status().services.map((s) => s.switch);
      case "quota_sources": return { sources: quotaSources.map(withCovers), kinds: ["budget_http_json", "openai_billing", "new_api_user", "json_fields"], problem: null };
      case "save_quota_sources": {
        (a.sources as QuotaSource[]).forEach((s, i) => checkSource(s, `providers[${i}].`));
        quotaSources = (a.sources as QuotaSource[]).map((s) => ({ ...s, has_access_token: s.has_access_token || !!s.access_token, access_token: null }));
        return { sources: quotaSources.map(withCovers), kinds: ["budget_http_json", "openai_billing", "new_api_user", "json_fields"], problem: null };
      }
      case "check_quota_source": {
        const s = a.source as QuotaSource;
        checkSource(s);
        await new Promise((r) => setTimeout(r, 300));
        const ups = covered({ ...s, domains: s.domains });
        if (ups.length === 0) throw invalid("domains", "no upstream of the active configs has a host in these domains, so there is nobody to ask about");
        return ups.map((u): QuotaState => {
          const base = { provider_id: s.id, service: u.service as QuotaState["service"], config: u.config, base_url: u.url, checked_at_ms: Date.now(), kind: s.kind, key_label: u.key, key_id: "", budget_usd: null, spent_usd: null };
          if (s.endpoint.includes("bad")) return { ...base, remaining_pct: null, exhausted: null, error: `HTTP 401 from ${label(s.endpoint)}: {"error":"invalid token"}`, state: "unknown", windows: [] };
          if (s.kind === "json_fields") return { ...base, remaining_pct: 62, exhausted: false, error: null, state: "ok", windows: mirrorWindows() };
          return { ...base, budget_usd: 50, spent_usd: 31.4, remaining_pct: 37.2, exhausted: false, error: null, state: "ok", windows: [{ name: "monthly", used: 31.4, limit: 50, remaining_pct: 37.2, resets_at_ms: null, unit: "usd" }] };
        });
      }
      case "usage_summary": return summary(a.days);
      case "speed_test": await new Promise((r) => setTimeout(r, 400)); return speedResults(a.service, a.all);
      case "query_logs": {
        const f = a.filter;
        let r = logs.filter((l) => (!f.service || l.service === f.service) && (!f.config || l.config_name === f.config));
        if (f.status_class === "error") r = r.filter((l) => (l.status_code ?? 0) >= 400);
        if (f.status_class === "ok") r = r.filter((l) => (l.status_code ?? 0) < 400);
        return r.slice(-a.tail);
      }
      case "start_log_tail": case "stop_log_tail": return null;
      case "list_sessions": return sessions.filter((s) => s.service === a.service);
      case "open_resume_terminal": throw "no terminal emulator found: install x-terminal-emulator, gnome-terminal, konsole or xterm";
      case "run_doctor": await new Promise((r) => setTimeout(r, 300)); return doctor;
      case "get_settings": return structuredClone(settings);
      case "ui_language": return settings.language === "auto" ? null : settings.language;
      case "save_settings": { const restart = a.settings.codex.port !== settings.codex.port || a.settings.claude.port !== settings.claude.port; settings = a.settings; return restart; }
      case "open_config_folder": case "open_log_file": return null;
      case "get_proxy_settings": return structuredClone(proxySettings);
      case "save_proxy_settings":
        if (a.settings.lb.failure_threshold < 1) throw invalid("lb.failure_threshold", "~/.codex-helper/settings.json: lb.failure_threshold: must be at least 1 (the default is 3)");
        proxySettings = a.settings;
        return null;
      case "reach_defaults": return { cc_switch: "~/.cc-switch/cc-switch.db", codex_helper: "~/.codex-helper/config.toml", backup: "~/codex-helper-backup.json" };
      case "plan_tool_import": case "apply_tool_import": {
        const plan = mockPlan(a.args.source);
        if (cmd === "plan_tool_import") return plan;
        for (const c of plan.configs) {
          configs[c.service].configs.push({ name: c.name, alias: `from ${a.args.source}: ${c.source_name}`, active: false, strategy: "priority", upstreams: [{ base_url: c.base_url, auth_token: c.key, api_key: null, alias: null, key_label: c.key ?? "", tags: { source: a.args.source }, protocol: c.service === "codex" ? "responses" : "anthropic", model_map: {}, headers: {}, max_concurrent: null }] });
        }
        return { added: plan.configs.map((c) => `${c.service}/${c.name}`), activated: [] };
      }
      case "export_backup": return { path: a.args.path, with_keys: a.args.with_keys, mode: a.args.with_keys ? 0o600 : 0o644, configs: 3, upstreams: 4, filters: filterRules.length, providers: quotaSources.length, settings: true };
      case "plan_backup_import":
        if (!String(a.args.path).endsWith(".json")) throw invalid("path", `${a.args.path}: not a codex-helper backup: not JSON`);
        return { replace: a.args.replace, without_key: ["codex/backup https://api.openai.com/v1"], diff: { configs: { added: ["codex/moved"], changed: ["codex/main"], removed: a.args.replace ? ["claude/work"] : [] }, upstreams: { added: ["codex/moved https://relay.example.com/v1 (sk-…77aa)"], changed: [], removed: [] }, filters: { added: [], changed: [], removed: [] }, providers: { added: [], changed: [], removed: [] }, settings: { added: [], changed: ["codex.port"], removed: [] } } };
      case "apply_backup_import": return ["config.json", "settings.json"];
      case "undo_preview": case "undo_last": return { file: "config.json", path: "~/.codex-helper/config.json", replaced_at: new Date(now - 300_000).toISOString(), service: null, configs: { added: [], changed: [], removed: ["claude/Packy"] }, active: ["claude: work → Packy"], remaining: 3 };
      case "first_run": return { empty: false, logins: [], cc_switch: null, codex_helper: null };
      case "import_login": return null;
      case "list_filter_rules": return structuredClone(filterRules);
      case "save_filter_rules": {
        const bad = (a.rules as RuleRow[]).findIndex((r) => r.source === "");
        if (bad >= 0) throw invalid(`rules[${bad}].source`, `rule ${bad + 1} (source): the text to match is empty`);
        filterRules = a.rules;
        return null;
      }
      case "preview_filters": {
        const after = applyRules(a.rules, a.sample);
        return { before: a.sample, after, changed: after !== a.sample };
      }
    }
    throw `mock: unknown command ${cmd}`;
  },
  { shouldMockEvents: true },
);

setInterval(() => {
  const r = record(Date.now());
  logs.push(r);
  void emit("log-line", r);
}, 2500);

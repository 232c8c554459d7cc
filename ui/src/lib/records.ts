// Request log records as the screens use them. The generated type has every
// field optional (the Rust struct reads old lines with defaults), so fill
// the defaults once here instead of at every use.

import type { RequestRecord } from "../bindings";

export interface LogRow {
  timestamp_ms: number;
  service: string;
  method: string;
  path: string;
  status_code: number;
  duration_ms: number;
  config_name: string;
  upstream_base_url: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  attempts: number;
  error: string | null;
  session_id: string | null;
}

export function toRow(r: RequestRecord): LogRow {
  const u = r.usage ?? {};
  return {
    timestamp_ms: r.timestamp_ms ?? 0,
    service: r.service ?? "",
    method: r.method ?? "",
    path: r.path ?? "",
    status_code: r.status_code ?? 0,
    duration_ms: r.duration_ms ?? 0,
    config_name: r.config_name ?? "",
    upstream_base_url: r.upstream_base_url ?? "",
    input_tokens: u.input_tokens ?? 0,
    output_tokens: u.output_tokens ?? 0,
    total_tokens: u.total_tokens ?? 0,
    attempts: r.attempts?.length ?? 0,
    error: r.error ?? null,
    session_id: r.session_id ?? null,
  };
}

/** The same rule as the backend's `status_class` filter: error = 400+ or a proxy error. */
export function isError(r: LogRow): boolean {
  return r.status_code >= 400 || r.error != null;
}

export interface LogFilterState {
  service: string;
  status: "" | "ok" | "error";
  config: string;
}

export function matches(r: LogRow, f: LogFilterState): boolean {
  if (f.service && r.service !== f.service) return false;
  if (f.status === "ok" && isError(r)) return false;
  if (f.status === "error" && !isError(r)) return false;
  if (f.config && r.config_name !== f.config) return false;
  return true;
}

/** `config → host/path`, or a dash when the proxy answered by itself. */
export function route(r: LogRow, short: (url: string) => string): string {
  if (!r.config_name && !r.upstream_base_url) return "—";
  return `${r.config_name || "—"} → ${r.upstream_base_url ? short(r.upstream_base_url) : "—"}`;
}

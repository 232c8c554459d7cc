// A mock relay for the GUI tests: answers Codex's `POST /v1/responses` with a
// short SSE stream (the event order the real Codex CLI expects, see
// shared/notes/real-clients.md), `GET /v1/models` for "Test connection", and
// a quota endpoint `GET /usage` in the `budget_http_json` shape whose spent
// amount the test changes at run time, and an outage switch (`fail`: the
// HTTP status every Codex turn gets instead of an answer). Every request is
// recorded.
import http from "node:http";

const sse = (type, extra) => `event: ${type}\ndata: ${JSON.stringify({ type, ...extra })}\n\n`;

function codexStream(name) {
  const id = `resp_${name}_${Date.now()}`;
  const text = `hello from ${name}`;
  const item = { id: `msg_${name}`, type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [] }] };
  const usage = { input_tokens: 12, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 17 };
  return [
    sse("response.created", { response: { id, status: "in_progress" } }),
    sse("response.in_progress", { response: { id, status: "in_progress" } }),
    sse("response.output_item.added", { output_index: 0, item: { ...item, status: "in_progress", content: [] } }),
    sse("response.content_part.added", { item_id: item.id, output_index: 0, content_index: 0, part: { type: "output_text", text: "" } }),
    sse("response.output_text.delta", { item_id: item.id, output_index: 0, content_index: 0, delta: text }),
    sse("response.output_text.done", { item_id: item.id, output_index: 0, content_index: 0, text }),
    sse("response.content_part.done", { item_id: item.id, output_index: 0, content_index: 0, part: item.content[0] }),
    sse("response.output_item.done", { output_index: 0, item }),
    sse("response.completed", { response: { id, status: "completed", output: [item], usage } }),
  ].join("");
}

/**
 * Starts one mock relay on 127.0.0.1 (a free port).
 * @param {string} name  appears in the answers and in `requests[].upstream`
 */
export async function startMock(name) {
  /** @type {{upstream:string, method:string, path:string, headers:Record<string,string>, body:string, at:number}[]} */
  const requests = [];
  const quota = { budget: 10, spent: 0 };
  /** While set, `POST …/responses` gets this status (e.g. 503) and an error body. */
  const outage = { status: null };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url, "http://mock");
      requests.push({ upstream: name, method: req.method, path: url.pathname, headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() });
      if (req.method === "POST" && url.pathname.endsWith("/responses") && outage.status) {
        res.writeHead(outage.status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `mock ${name}: down for the test`, type: "server_error" } }));
      } else if (req.method === "POST" && url.pathname.endsWith("/responses")) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.end(codexStream(name));
      } else if (req.method === "GET" && url.pathname.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [{ id: "gpt-5", object: "model" }] }));
      } else if (req.method === "GET" && url.pathname === "/usage") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ data: { monthly_budget_usd: quota.budget, monthly_spent_usd: quota.spent } }));
      } else {
        // Includes Codex's WebSocket attempt (GET /v1/responses): a fast plain error.
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `mock ${name}: no route ${req.method} ${url.pathname}` } }));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  return {
    name,
    port,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    usageUrl: `http://127.0.0.1:${port}/usage`,
    requests,
    quota,
    /** `fail(503)`: every Codex turn gets that status from now on; `fail(null)`: answers again. */
    fail: (status) => {
      outage.status = status;
    },
    /** Requests of one kind (e.g. "/v1/responses", "/usage") seen so far. */
    seen: (path) => requests.filter((r) => r.path === path),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

// `node tests/gui/mock.mjs NAME`: run one by hand.
if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await startMock(process.argv[2] ?? "mock");
  console.log(`mock ${m.name}: ${m.baseUrl} (quota ${m.usageUrl})`);
}

// A mock relay for the GUI tests: the Rust mock upstream
// (tests/support/mock_upstream), run as the `mock-upstream` binary of the
// tests crate, so the Rust suites and this one share one mock. It answers
// Codex's `POST /v1/responses` with a short SSE stream, `GET /v1/models` for
// "Test connection", and a quota endpoint `GET /usage` in the
// `budget_http_json` shape whose spent amount the test changes at run time,
// and has an outage switch (`fail`: the HTTP status every Codex turn gets
// instead of an answer). Every request is recorded. The protocol (JSON lines
// on its stdin and stdout) is described in tests/bin/mock_upstream.rs.
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR || path.resolve(here, "../../target");
export const mockBin = process.env.CH_GUI_MOCK_BIN || path.join(targetDir, "debug", "mock-upstream");

/**
 * Starts one mock relay on 127.0.0.1 (port 0: the mock binds it and says
 * which port it got).
 * @param {string} name  appears in the answers and in `requests[].upstream`
 */
export async function startMock(name) {
  /** @type {{upstream:string, method:string, path:string, headers:Record<string,string>, body:string, at:number}[]} */
  const requests = [];
  const child = spawn(mockBin, ["--name", name], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: child.stdout });
  /** Orders sent and not yet acknowledged, oldest first. */
  const acks = [];
  let onListening;
  const listening = new Promise((resolve, reject) => {
    onListening = resolve;
    child.once("error", (e) => reject(new Error(`cannot start ${mockBin} (built by scripts/test-gui.sh): ${e.message}`)));
    child.once("exit", (code) => reject(new Error(`mock ${name} exited (${code}) before listening`)));
  });
  lines.on("line", (line) => {
    const msg = JSON.parse(line);
    if (msg.listening) onListening(msg.listening);
    else if (msg.request) requests.push({ upstream: name, ...msg.request, at: Date.now() });
    else if (msg.ack) acks.shift()?.();
    else if (msg.error) throw new Error(`mock ${name}: ${msg.error}`);
  });
  /** Sends one order; resolves once the mock applied it. */
  const order = (o) =>
    new Promise((resolve) => {
      acks.push(resolve);
      child.stdin.write(JSON.stringify(o) + "\n");
    });
  const addr = await listening;
  const port = Number(addr.split(":").pop());
  let spent = 0;
  let budget = 10;
  return {
    name,
    port,
    baseUrl: `http://${addr}/v1`,
    usageUrl: `http://${addr}/usage`,
    requests,
    /** Setting `spent`/`budget` changes what `/usage` reports (await `applied()` to be sure it has). */
    quota: {
      get spent() { return spent; },
      set spent(v) { spent = v; void order({ spent: v }); },
      get budget() { return budget; },
      set budget(v) { budget = v; void order({ budget: v }); },
    },
    /** `await fail(503)`: every Codex turn gets that status from now on; `await fail(null)`: answers again. */
    fail: (status) => order({ fail: status }),
    /** Resolves once every order sent so far has been applied. */
    applied: () => order({}),
    /** Requests of one kind (e.g. "/v1/responses", "/usage") seen so far. */
    seen: (p) => requests.filter((r) => r.path === p),
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin.end(); // the mock exits when its stdin closes
      }),
  };
}

// `node tests/gui/mock.mjs NAME`: run one by hand.
if (import.meta.url === `file://${process.argv[1]}`) {
  const m = await startMock(process.argv[2] ?? "mock");
  console.log(`mock ${m.name}: ${m.baseUrl} (quota ${m.usageUrl})`);
}

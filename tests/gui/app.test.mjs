// End-to-end through the real desktop app: WebDriver drives the window, the
// proxy in the app's process forwards to mock relays, the CLI shares the same
// HOME, notifications are read off the D-Bus session bus.
// Run by scripts/test.sh (which builds the binaries); alone:
//   node --test tests/gui/
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { GuiEnv, artifactsDir, freePort } from "./env.mjs";
import { Tray } from "./tray.mjs";
import { waitFor } from "./webdriver.mjs";

const KEY_A = "sk-test-aaaa1111aaaa9999";
const KEY_B = "sk-test-bbbb2222bbbb";
const SMOKE = "starts serving and shows the Dashboard";
/** A closed window's process exits after this many seconds hidden (60 outside tests). */
const RELEASE_SECS = 3;

describe("desktop app (tauri-driver, Xvfb, D-Bus)", { timeout: 300_000 }, () => {
  const env = new GuiEnv({ env: { CODEX_HELPER_APP_DESTROY_AFTER_SECS: String(RELEASE_SECS) } });
  const tray = new Tray(env);
  /** Polls the tray menu until a config's check item is in the wanted state. */
  const trayChecked = (config, checked = true) =>
    waitFor(`tray item ${config} ${checked ? "checked" : "unchecked"}`, () => tray.menu().some((i) => i.label === config && i.checked === checked), { timeout: 5000, interval: 150 });
  /** @type {import("./webdriver.mjs").Session} */
  let wd;
  let shots = 0;

  // Even a Ctrl-C or an exception outside a test must not leave Xvfb & co behind.
  const onSignal = () => {
    env.killAll();
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("exit", () => env.killAll());

  // Screenshots of the X screen, as a user sees it (window and notification
  // popups). WebKitWebDriver's own screenshot command sometimes never
  // answers under Xvfb (seen on the Sessions screen), so it is not used here.
  function shot(name) {
    shots += 1;
    return env.screenShot(path.join(artifactsDir, `${String(shots).padStart(2, "0")}-${name}.png`));
  }

  async function open(screen) {
    await (await wd.waitCss(`button[data-screen="${screen}"]`)).click();
    await wd.waitCss(`main[data-screen-shown="${screen}"]`);
  }

  /** Picks an option as a user would; WebKitWebDriver's click on an
   * <option> shows it but does not always fire `change`. */
  async function choose(selector, value) {
    await wd.waitCss(selector);
    await wd.execute(
      "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));",
      [selector, value],
    );
  }

  async function fill(selector, text) {
    const el = await wd.waitCss(selector);
    await el.clear();
    await el.type(text);
  }

  // A failing flow leaves its evidence (screenshot, page source) next to the
  // other artifacts; once the app itself is not up, later flows are skipped.
  let appUp = false;
  function flow(name, fn) {
    it(name, { timeout: 90_000 }, async (t) => {
      if (name !== SMOKE && !appUp) return t.skip("the app did not come up");
      try {
        await fn(t);
      } catch (err) {
        const slug = name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").slice(0, 40);
        shot(`FAILED-${slug}`);
        try {
          fs.writeFileSync(path.join(artifactsDir, `FAILED-${slug}.html`), await wd.source());
        } catch {
          // the window may be gone
        }
        throw err;
      }
    });
  }

  const activeConfigShown = async () => (await wd.css('[data-service="codex"] [data-testid="active-config"]')).text();

  /** A window shown, and `wd` driving it: from the tray if none is. */
  async function ensureWindow() {
    const [pid] = env.windowPids();
    if (pid && env.visibleWindows(pid).length) return;
    tray.click("Open window");
    const shown = await waitFor("a window shown", () => env.windowPids().find((p) => env.visibleWindows(p).length), { timeout: 15_000 });
    if (shown !== pid) wd = await env.attachWindow();
  }

  /** Closes the window like a user and waits until it is hidden; returns its process's PID. */
  async function closeWindow() {
    const pid = await env.closeWindow();
    await waitFor("the window hidden", () => env.visibleWindows(pid).length === 0, { timeout: 5000 });
    return pid;
  }

  /** Waits for the hidden window's process to exit (it does after RELEASE_SECS). */
  async function released(pid) {
    await waitFor(`window process ${pid} to exit`, () => !env.windowPids().includes(pid), { timeout: RELEASE_SECS * 1000 + 10_000, interval: 100 });
  }

  /**
   * Makes `name` (relay C first, then `fallback`) Codex's active config,
   * through the CLI as a user would; resolves once the tray shows it.
   */
  async function activateFlaky(name, fallback) {
    env.ch("config", "add", name, "--base-url", env.mockC.baseUrl, "--auth-token", "sk-test-cccc3333cccc", "--codex");
    env.ch("config", "add", name, "--base-url", fallback.baseUrl, "--auth-token", "sk-test-fallback", "--codex");
    env.ch("config", "set-active", name, "--codex");
    await trayChecked(name);
  }

  /** The Notify calls since `before` whose summary matches `re`. */
  const notesSince = (before, re) => env.notifications().slice(before).filter((n) => re.test(n.summary));

  before(async () => {
    await env.start();
    wd = await env.launchApp();
  });

  after(async () => {
    await env.stop();
  });

  flow(SMOKE, async () => {
    await wd.waitCss('main[data-screen-shown="dashboard"]', { timeout: 30_000 });
    await waitFor("the active config on the Dashboard", async () => (await activeConfigShown()) === "relay-b", { timeout: 15_000 });
    shot("dashboard");
    // The app serves Codex on the port from settings.json.
    const res = await env.codexRequest();
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /hello from relay-b/);
    const seen = env.mockB.seen("/v1/responses");
    assert.equal(seen.at(-1).headers.authorization, `Bearer ${KEY_B}`);
    // The tray: serving icon, the config as a checked item, the client toggle.
    await waitFor("the serving tray icon", () => tray.level() === "serving", { timeout: 10_000 });
    await trayChecked("relay-b");
    assert.ok(tray.labels().includes("Route Codex through proxy"), JSON.stringify(tray.labels()));
    appUp = true;
  });

  flow("shows every screen", async () => {
    for (const screen of ["configs", "usage", "logs", "sessions", "filters", "settings", "dashboard"]) {
      await open(screen);
      shot(`screen-${screen}`);
    }
  });

  flow("(a) adds an upstream with a key through the Configs form", async () => {
    await open("configs");
    await wd.waitCss('[data-config="relay-b"]');
    await fill('input[name="config"]', "relay-a");
    await fill('input[name="base_url"]', env.mockA.baseUrl);
    await fill('input[name="key"]', KEY_A);
    shot("configs-form-filled");

    // "Test connection" makes a real request to the relay.
    await (await wd.waitText("Test connection", "button")).click();
    await waitFor("a Test connection answer", () => env.mockA.seen("/v1/models").length > 0, { timeout: 15_000 });

    await (await wd.waitText("Save upstream", "button")).click();
    const saved = await waitFor("relay-a in config.json", () => env.configJson().codex.configs["relay-a"], { timeout: 10_000 });
    assert.equal(saved.upstreams[0].base_url, env.mockA.baseUrl);
    assert.equal(saved.upstreams[0].auth.auth_token, KEY_A);
    // The list shows it, with the key masked: the clear key never comes back.
    await wd.waitCss('[data-config="relay-a"]');
    const page = await wd.bodyText();
    assert.ok(!page.includes(KEY_A), "the key must not be shown in clear after saving");
    shot("configs-added");
    await trayChecked("relay-a", false);
  });

  flow("(b) switching the active config in the UI moves the next request", async () => {
    await open("configs");
    const row = await wd.waitCss('[data-config="relay-a"]');
    assert.ok(row);
    await (await wd.waitCss('[data-config="relay-a"] button')).click(); // "Set active" comes first for a non-active config
    await waitFor("relay-a active in config.json", () => env.configJson().codex.active === "relay-a", { timeout: 10_000 });
    await wd.waitCss('[data-config="relay-a"].is-active', { timeout: 5000 });
    shot("configs-switched");
    await trayChecked("relay-a");

    const before = env.mockA.seen("/v1/responses").length;
    // The proxy follows within about a second.
    const res = await waitFor("a request answered by relay-a", async () => {
      const r = await env.codexRequest();
      return r.status === 200 && r.text.includes("hello from relay-a") ? r : false;
    }, { timeout: 5000, interval: 200 });
    assert.ok(res);
    const seen = env.mockA.seen("/v1/responses");
    assert.ok(seen.length > before);
    assert.equal(seen.at(-1).headers.authorization, `Bearer ${KEY_A}`, "the proxy sends the key typed into the form");
  });

  flow("(d) `ch config set-active` from a terminal shows in the window", async () => {
    await open("dashboard");
    await waitFor("the Dashboard to show relay-a", async () => (await activeConfigShown()) === "relay-a", { timeout: 5000 });
    const t0 = Date.now();
    env.ch("config", "set-active", "relay-b", "--codex");
    await waitFor("the Dashboard to show relay-b", async () => (await activeConfigShown()) === "relay-b", { timeout: 5000, interval: 100 });
    const took = Date.now() - t0;
    shot("dashboard-after-ch");
    assert.ok(took < 5000, `took ${took} ms`);
    await open("configs");
    await wd.waitCss('[data-config="relay-b"].is-active', { timeout: 5000 });
    await trayChecked("relay-b");
  });

  flow("(edit) editing an upstream keeps its stored key unless a new one is pasted", async () => {
    await open("configs");
    await (await wd.waitCss('[data-config="relay-a"] td.edit button')).click();
    await (await wd.waitText("+ add tag", "button")).click();
    await fill('input[aria-label="tag key 1"]', "provider_id");
    await fill('input[aria-label="tag value 1"]', "relay-a-co");
    shot("configs-editing");
    await (await wd.waitText("Save changes", "button")).click();
    const edited = await waitFor("the new tag in config.json", () => {
      const up = env.configJson().codex.configs["relay-a"].upstreams[0];
      return up.tags?.provider_id === "relay-a-co" ? up : false;
    }, { timeout: 10_000 });
    assert.equal(edited.auth.auth_token, KEY_A, "no key pasted: the stored one stays");
    assert.equal(edited.base_url, env.mockA.baseUrl);
    assert.ok(!(await wd.bodyText()).includes(KEY_A), "the key is never shown in clear");
  });

  flow("(protocol) an upstream with protocol chat and a model map, through the form", async () => {
    await open("configs");
    await wd.waitCss('[data-config="relay-a"]');
    await fill('input[name="config"]', "relay-chat");
    await fill('input[name="base_url"]', env.mockC.baseUrl);
    await fill('input[name="key"]', "sk-test-chat1234chat");
    await choose('select[name="protocol"]', "chat");
    await waitFor("the chat hint", async () => /chat\/completions/.test(await (await wd.css('[data-testid="protocol-explained"]')).text()), { timeout: 3000 });
    // Test connection: the mock answers /v1/responses only, so the detection
    // offers the one-click switch back, which sets the form's protocol.
    await (await wd.waitText("Test connection", "button")).click();
    await (await wd.waitCss('[data-testid="use-protocol"]', { timeout: 15_000 })).click();
    assert.equal(await wd.execute('return document.querySelector(\'select[name="protocol"]\').value'), "responses");
    await choose('select[name="protocol"]', "chat");
    // Two map rows; a duplicate client model is refused before saving.
    await (await wd.waitText("+ add model", "button")).click();
    await fill('input[aria-label="map from 1"]', "gpt-5-codex");
    await fill('input[aria-label="map to 1"]', "mock-chat-model");
    await (await wd.waitText("+ add model", "button")).click();
    await fill('input[aria-label="map from 2"]', "gpt-5-codex");
    await fill('input[aria-label="map to 2"]', "other");
    await (await wd.waitText("Save upstream", "button")).click();
    await wd.waitBody(/mapped twice/, { timeout: 3000 });
    assert.equal(env.configJson().codex.configs["relay-chat"], undefined, "nothing saved while a row is wrong");
    await fill('input[aria-label="map from 2"]', "*");
    await fill('input[aria-label="map to 2"]', "mock-chat-fallback");
    shot("configs-protocol-form");
    await (await wd.waitText("Save upstream", "button")).click();
    const saved = await waitFor("relay-chat in config.json", () => env.configJson().codex.configs["relay-chat"], { timeout: 10_000 });
    const raw = fs.readFileSync(path.join(env.home, ".codex-helper", "config.json"), "utf8");
    assert.match(raw, /"protocol":\s*"chat"/);
    assert.match(raw, /"model_map"/);
    assert.deepEqual(saved.upstreams[0].model_map, { "gpt-5-codex": "mock-chat-model", "*": "mock-chat-fallback" });
    await wd.waitCss('[data-config="relay-chat"] [data-testid="protocol-badge"]', { timeout: 5000 });
    assert.match(await (await wd.css('[data-config="relay-chat"]')).text(), /gpt-5-codex→mock-chat-model/);
    shot("configs-protocol-badge");

    // Edit keeps both: the form starts from the stored protocol and map.
    await (await wd.waitCss('[data-config="relay-chat"] td.edit button')).click();
    assert.equal(await wd.execute('return document.querySelector(\'select[name="protocol"]\').value'), "chat");
    assert.equal(await wd.execute('return document.querySelector(\'input[aria-label="map to 1"]\').value'), "mock-chat-model");
    await (await wd.waitText("Cancel edit", "button")).click();

    // Active: the Dashboard and the tray name the protocol.
    const previous = env.configJson().codex.active;
    env.ch("config", "set-active", "relay-chat", "--codex");
    try {
      const host = `127.0.0.1:${env.mockC.port}`;
      await waitFor("the tray line with the protocol", () => tray.labels().some((l) => l.startsWith(`${host} · chat — `)), { timeout: 5000 });
      await open("dashboard");
      await wd.waitCss('[data-service="codex"] [data-testid="up-protocol"]', { timeout: 5000 });
      assert.equal(await (await wd.css('[data-service="codex"] [data-testid="up-model-map"]')).text(), "2 models mapped");
      shot("dashboard-protocol");
      await open("configs");
    } finally {
      env.ch("config", "set-active", previous, "--codex");
      await trayChecked(previous);
      // Settled (the next flow watches the menu stay put): its upstream line with the quota is back.
      const back = new URL(env.configJson().codex.configs[previous].upstreams[0].base_url).host;
      await waitFor("the tray back on the previous config", () => tray.labels().some((l) => l.startsWith(`${back} — ok · `)), { timeout: 5000 });
    }
  });

  flow("(pool) a second key for one URL shows as a second upstream; edit, strategy and Remove", async () => {
    const row = (n) => `[data-config="pool"] tbody tr:nth-child(${n})`;
    const pool = () => env.configJson().codex.configs.pool;
    await open("configs");
    await wd.waitCss("[data-config]"); // loaded: the form got its default config name
    // The first key, with a name.
    await fill('input[name="config"]', "pool");
    await fill('input[name="base_url"]', env.mockA.baseUrl);
    await fill('input[name="key"]', "sk-test-pool-first-1111");
    await fill('input[name="key_alias"]', "first");
    await (await wd.waitText("Save upstream", "button")).click();
    await waitFor("pool in config.json", () => pool()?.upstreams.length === 1, { timeout: 10_000 });
    // The form is reset once the save returns (the file is written before):
    // typing earlier would land in the old form.
    await wd.waitBody(/config pool \(key sk-…1111\)/, { timeout: 5000 });
    // A second key for the same URL, with a cap: a refused cap is marked first.
    await fill('input[name="config"]', "pool");
    await fill('input[name="base_url"]', env.mockA.baseUrl);
    await fill('input[name="key"]', "sk-test-pool-second-2222");
    await fill('input[name="key_alias"]', "second");
    await fill('input[name="max_concurrent"]', "0");
    await (await wd.waitText("Save upstream", "button")).click();
    await wd.waitBody(/At least 1/, { timeout: 3000 });
    await fill('input[name="max_concurrent"]', "2");
    await (await wd.waitText("Save upstream", "button")).click();
    const two = await waitFor("a second upstream at the same URL", () => (pool()?.upstreams.length === 2 ? pool() : false), { timeout: 10_000 });
    await wd.waitBody(/config pool \(key sk-…2222\)/, { timeout: 5000 });
    assert.deepEqual(two.upstreams.map((u) => [u.base_url, u.alias, u.max_concurrent ?? null]), [
      [env.mockA.baseUrl, "first", null],
      [env.mockA.baseUrl, "second", 2],
    ]);
    await wd.waitCss(`${row(2)} [data-testid="cap-badge"]`, { timeout: 5000 });
    assert.match(await (await wd.css(row(1))).text(), /first/);
    assert.match(await (await wd.css(row(2))).text(), /second/);
    assert.ok(!(await wd.bodyText()).includes("sk-test-pool-second-2222"), "keys stay masked");
    await wd.execute("document.querySelector('[data-config=\"pool\"]').scrollIntoView()");
    shot("configs-pool-two-keys");

    // The strategy.
    await choose('[data-config="pool"] select[data-testid="strategy"]', "round-robin");
    await waitFor("round-robin in config.json", () => pool().strategy === "round-robin", { timeout: 10_000 });

    // Edit the second row (by position): its key name, cap and headers.
    await (await wd.waitCss(`${row(2)} [data-testid="edit-upstream"]`)).click();
    assert.equal(await wd.execute('return document.querySelector(\'input[name="key_alias"]\').value'), "second");
    await fill('input[name="key_alias"]', "spare");
    // WebDriver's clear() fires no input event, so Svelte would keep the old
    // value: empty the field the way typing does.
    await wd.execute(
      "const i = document.querySelector(arguments[0]); i.value = ''; i.dispatchEvent(new Event('input', { bubbles: true }));",
      ['input[name="max_concurrent"]'],
    );
    await (await wd.waitText("+ add header", "button")).click();
    await fill('input[aria-label="header name 1"]', "X-Title");
    await fill('input[aria-label="header value 1"]', "pool-test");
    shot("configs-pool-editing");
    await (await wd.waitText("Save changes", "button")).click();
    const edited = await waitFor("the edit in config.json", () => (pool().upstreams[1].alias === "spare" ? pool().upstreams[1] : false), { timeout: 10_000 });
    assert.equal(edited.auth.auth_token, "sk-test-pool-second-2222", "the stored key stays");
    assert.equal(edited.max_concurrent, undefined, "the cleared cap is removed");
    assert.deepEqual(edited.headers, { "X-Title": "pool-test" });
    assert.equal(pool().upstreams[0].alias, "first", "the other key of the URL is untouched");

    // Remove the first row: the second key stays.
    await (await wd.waitCss(`${row(1)} [data-testid="remove-upstream"]`)).click();
    await (await wd.waitCss(`${row(1)} [data-testid="confirm-remove-upstream"]`)).click();
    await waitFor("one upstream left", () => pool().upstreams.length === 1, { timeout: 10_000 });
    assert.equal(pool().upstreams[0].alias, "spare");
    await wd.execute("document.querySelector('[data-config=\"pool\"]').scrollIntoView()");
    shot("configs-pool-removed");
  });

  flow("(filters) the rules editor: add, reorder, try it, save, and the proxy applies them", async () => {
    await open("filters");
    await (await wd.waitCss('[data-testid="add-rule"]')).click();
    await fill('input[aria-label="rule 1 text"]', "tok-123456");
    await choose('select[aria-label="rule 1 action"]', "remove");
    await (await wd.css('[data-testid="add-rule"]')).click();
    await fill('input[aria-label="rule 2 text"]', "acme-corp.internal");
    await fill('input[aria-label="rule 2 replacement"]', "[DOMAIN]");
    // Reorder: the domain rule first.
    await (await wd.css('button[aria-label="move rule 2 up"]')).click();
    assert.equal(await wd.execute('return document.querySelector(\'input[aria-label="rule 1 text"]\').value'), "acme-corp.internal");
    await fill('[data-testid="filter-sample"]', "deploy to build.acme-corp.internal with tok-123456 now");
    await (await wd.css('[data-testid="try-filters"]')).click();
    const after = await waitFor("the preview", async () => {
      try {
        return await (await wd.css('[data-testid="preview-after"]')).text();
      } catch {
        return false;
      }
    }, { timeout: 5000 });
    assert.equal(after, "deploy to build.[DOMAIN] with  now");
    assert.equal(await (await wd.css('[data-testid="preview-before"]')).text(), "deploy to build.acme-corp.internal with tok-123456 now");
    shot("filters-try-it");
    // An empty rule is refused at its row; nothing is written.
    await (await wd.css('[data-testid="add-rule"]')).click();
    await fill('input[aria-label="rule 3 replacement"]', "x");
    await (await wd.css('[data-testid="save-rules"]')).click();
    await wd.waitCss('[data-testid="rule-error"]', { timeout: 5000 });
    assert.match(await (await wd.css('[data-testid="rule-error"]')).text(), /rule 3 \(source\)/);
    const filterFile = path.join(env.home, ".codex-helper", "filter.json");
    assert.ok(!fs.existsSync(filterFile), "nothing written while a rule is wrong");
    shot("filters-refused");
    await (await wd.css('button[aria-label="remove rule 3"]')).click();
    await (await wd.css('[data-testid="save-rules"]')).click();
    await waitFor("filter.json written", () => fs.existsSync(filterFile), { timeout: 5000 });
    assert.deepEqual(JSON.parse(fs.readFileSync(filterFile, "utf8")), [
      { op: "replace", source: "acme-corp.internal", target: "[DOMAIN]" },
      { op: "remove", source: "tok-123456" },
    ]);
    // The app's proxy applies them to the next request (within a second).
    const sent = await waitFor("a filtered request", async () => {
      await env.codexRequest("ship it to acme-corp.internal");
      const body = env.mockB.seen("/v1/responses").at(-1)?.body ?? "";
      return body.includes("[DOMAIN]") ? body : false;
    }, { timeout: 5000, interval: 300 });
    assert.ok(!sent.includes("acme-corp.internal"), sent);
    // Back to no rules, for the flows after this one.
    await (await wd.css('button[aria-label="remove rule 2"]')).click();
    await (await wd.css('button[aria-label="remove rule 1"]')).click();
    await (await wd.css('[data-testid="save-rules"]')).click();
    await waitFor("filter.json emptied", () => JSON.parse(fs.readFileSync(filterFile, "utf8")).length === 0, { timeout: 5000 });
  });

  flow("(settings) a refused proxy setting is shown at its field; a good one is saved", async () => {
    await open("settings");
    const settingsFile = path.join(env.home, ".codex-helper", "settings.json");
    const before = fs.readFileSync(settingsFile, "utf8");
    await fill('input[name="lb.failure_threshold"]', "0");
    await (await wd.waitCss('[data-testid="save-proxy-settings"]')).click();
    const error = await (await wd.waitCss('[data-testid="knob-error"]', { timeout: 5000 })).text();
    assert.match(error, /lb\.failure_threshold: must be at least 1/);
    assert.equal(fs.readFileSync(settingsFile, "utf8"), before, "a refused value is not written");
    shot("settings-refused");
    await fill('input[name="lb.failure_threshold"]', "4");
    await fill('input[name="lb.max_concurrent_wait_ms"]', "10000");
    await (await wd.css('[data-testid="save-proxy-settings"]')).click();
    const saved = await waitFor("settings.json saved", () => {
      const s = JSON.parse(fs.readFileSync(settingsFile, "utf8"));
      return s.lb?.failure_threshold === 4 ? s : false;
    }, { timeout: 5000 });
    assert.equal(saved.lb.max_concurrent_wait_ms, 10000);
    assert.equal(saved.codex.port, env.codexPort, "the rest of the file is kept");
    // Back to the default threshold, for the flows after this one.
    await fill('input[name="lb.failure_threshold"]', "3");
    await (await wd.css('[data-testid="save-proxy-settings"]')).click();
    await waitFor("the threshold back", () => JSON.parse(fs.readFileSync(settingsFile, "utf8")).lb.failure_threshold === 3, { timeout: 5000 });
    // The tray flows after this one watch the Configs screen follow them.
    await open("configs");
  });

  flow("(tray) the menu stays put while nothing in it changes", async () => {
    // Each quota answer (mock B's /usage, polled every 0.5 s) refreshes the
    // app's state; the menu shows nothing new, so it must not be replaced:
    // a replaced menu closes under the user's pointer and loses a click.
    const active = env.configJson().codex.active;
    const host = new URL(env.configJson().codex.configs[active].upstreams[0].base_url).host;
    // Settled: the quota of the config made active just before is known.
    await waitFor(`the quota of ${host} in the tray`, () => tray.labels().some((l) => l.startsWith(`${host} — ok · `) && l.endsWith("% of budget left")), { timeout: 5000 });
    const shown = () => JSON.stringify(tray.menu());
    const first = shown();
    const polls = env.mockB.seen("/usage").length;
    await waitFor("two more quota polls", () => env.mockB.seen("/usage").length >= polls + 2, { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 600)); // the refresh (coalesced 250 ms) reaches the tray
    assert.equal(shown(), first, "the same menu, with the same item ids");
    // A check item toggles itself when clicked: clicking the active config
    // must leave it checked (the menu is rebuilt from the truth).
    tray.click(active);
    await new Promise((r) => setTimeout(r, 800));
    await trayChecked(active);
    assert.equal(env.configJson().codex.active, active);
  });

  flow("(tray) picking a config in the tray menu switches at once", async () => {
    tray.click("relay-a");
    await waitFor("relay-a active in config.json", () => env.configJson().codex.active === "relay-a", { timeout: 5000 });
    await wd.waitCss('[data-config="relay-a"].is-active', { timeout: 5000 });
    const r = await env.codexRequest();
    assert.match(r.text, /hello from relay-a/);
  });

  flow("(route) the tray toggle points Codex at the app's proxy and back, byte for byte", async () => {
    const toml = path.join(env.home, ".codex", "config.toml");
    const mine = "# my codex settings\nmodel = \"gpt-5\"   # keep this comment\n";
    fs.writeFileSync(toml, mine);
    const read = () => fs.readFileSync(toml, "utf8");
    tray.click("Route Codex through proxy");
    await waitFor("config.toml to point at the app's proxy", () => read().includes(`http://127.0.0.1:${env.codexPort}/v1`), { timeout: 5000 });
    assert.match(read(), /# keep this comment/);
    await waitFor("the route item checked", () => tray.menu().some((i) => i.label === "Route Codex through proxy" && i.checked), { timeout: 5000, interval: 150 });
    tray.click("Route Codex through proxy");
    await waitFor("config.toml restored", () => read() === mine, { timeout: 5000 });
  });

  flow("(c) a spent budget is notified on D-Bus and shown as exhausted", async () => {
    await open("dashboard");
    // The provider polls mock B's /usage for the active config's upstream.
    await waitFor("a quota lookup", () => env.mockB.seen("/usage").length > 0, { timeout: 10_000 });
    const before = env.notifications().length;
    env.mockB.quota.spent = 10;
    await env.mockB.applied();
    // Several notifications arrive (one per service and change, in no fixed
    // order): wait for the one about this upstream's quota.
    const note = await waitFor(
      "a quota notification naming the upstream on D-Bus",
      () =>
        env
          .notifications()
          .slice(before)
          .find((n) => /quota|budget|exhausted/i.test(`${n.summary} ${n.body}`) && /relay-b|127\.0\.0\.1/.test(`${n.summary} ${n.body}`)),
      { timeout: 15_000 },
    );
    assert.match(`${note.summary} ${note.body}`, /out of quota/i);
    await wd.waitBody(/exhausted/i, { timeout: 5000 });
    await waitFor("the tray icon for every upstream down", () => tray.level() === "down", { timeout: 5000 });
    assert.ok(tray.labels().some((l) => /out of quota/.test(l)), JSON.stringify(tray.labels()));
    shot("dashboard-exhausted-notification");

    // And back: budget left again → a recovery notification.
    env.mockB.quota.spent = 1;
    await env.mockB.applied();
    const n2 = env.notifications().length;
    await waitFor("a recovery notification", () => env.notifications().length > n2, { timeout: 15_000 });
    await waitFor("the serving tray icon again", () => tray.level() === "serving", { timeout: 5000 });
  });

  flow("(threshold) 85% used: one warning notification on D-Bus, none again on the next polls; 96% is out of quota before the budget is spent", async () => {
    await open("dashboard");
    // Settled at ok (the flow before ends with budget left).
    await waitFor("a quota lookup", () => env.mockB.seen("/usage").length > 0, { timeout: 10_000 });
    const before = env.notifications().length;
    const about = (n) => /127\.0\.0\.1|relay-b/.test(`${n.summary} ${n.body}`);
    // 8.5 of 10 spent: past quota_warning_percent (80), below quota_threshold_percent (95).
    env.mockB.quota.spent = 8.5;
    await env.mockB.applied();
    const warning = await waitFor("a warning notification on D-Bus", () => notesSince(before, /has used/).find(about), { timeout: 15_000 });
    assert.match(warning.summary, /has used 85% of its .*quota/, warning.summary);
    assert.match(warning.body, /keeps using it until the threshold/, warning.body);
    assert.equal(tray.level(), "serving", "a warning does not take the upstream out");
    shot("quota-warning-notification");
    // More polls with the same answer: the level did not change, so no note.
    const polls = env.mockB.seen("/usage").length;
    await waitFor("three more quota polls", () => env.mockB.seen("/usage").length >= polls + 3, { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 800)); // the last answer reaches the notifier
    const warnings = notesSince(before, /has used/).map((n) => n.summary);
    assert.deepEqual(warnings, [...new Set(warnings)], `one warning per upstream, not one per poll: ${JSON.stringify(warnings)}`);
    assert.equal(notesSince(before, /out of quota|has quota again/).length, 0, "no other quota note");

    // 9.6 of 10: past the threshold, so out of quota although $0.40 is left.
    const n2 = env.notifications().length;
    env.mockB.quota.spent = 9.6;
    await env.mockB.applied();
    await waitFor("an out-of-quota notification", () => notesSince(n2, /out of quota/).find(about), { timeout: 15_000 });
    assert.equal(notesSince(n2, /has used/).length, 0, "warning → exhausted is announced as exhausted only");
    await wd.waitBody(/exhausted/i, { timeout: 5000 });
    shot("quota-threshold-notification");

    // Back under the warning level: "has quota again", once per upstream.
    const n3 = env.notifications().length;
    env.mockB.quota.spent = 2.5;
    await env.mockB.applied();
    await waitFor("a quota-again notification", () => notesSince(n3, /has quota again/).find(about), { timeout: 15_000 });
    await waitFor("the serving tray icon again", () => tray.level() === "serving", { timeout: 5000 });
  });

  flow("(quota) a json_fields source through the Usage screen's editor: Check now, a refused value at its field, Save, its window on Usage", async () => {
    env.mockB.quota.spent = 2.5;
    await env.mockB.applied();
    await open("usage");
    await (await wd.waitCss('[data-testid="open-quota-sources"]')).click();
    await wd.waitCss('[data-testid="quota-sources"] [data-source="mockquota"]');
    await choose('select[name="new-kind"]', "json_fields");
    await (await wd.waitCss('[data-testid="add-source"]')).click();
    const src = '[data-testid="quota-sources"] section[data-index="1"]';
    // Text as the DOM has it (WebDriver's rendered text drops what a narrow
    // column clips), and the part a screenshot is about scrolled into view.
    const textOf = (sel) => wd.execute("return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent).join('\\n')", [sel]);
    const show = (sel) => wd.execute("document.querySelector(arguments[0])?.scrollIntoView({ block: 'center' })", [sel]);
    await fill(`${src} input[name="id"]`, "mockjson");
    await fill(`${src} input[name="domains"]`, "127.0.0.1");
    await fill(`${src} input[name="endpoint"]`, env.mockB.usageUrl);
    await fill(`${src} input[name="window-name"]`, "monthly");
    await fill(`${src} input[name="window-used"]`, "data.monthly_spent_usd");
    await fill(`${src} input[name="window-limit"]`, "data.monthly_budget_usd");
    await fill(`${src} input[name="window-unit"]`, "usd");

    // "Check now" asks mock B at once and shows the window it parsed.
    const asked = env.mockB.seen("/usage").length;
    await (await wd.waitCss(`${src} [data-testid="check-now"]`)).click();
    await wd.waitCss(`${src} [data-testid="check-result"] [data-testid="check-window"]`, { timeout: 15_000 });
    const checked = await textOf(`${src} [data-testid="check-window"]`);
    assert.match(checked, /monthly/);
    assert.match(checked, /\$2\.50 \/ \$10\.00/);
    assert.ok(env.mockB.seen("/usage").length > asked, "Check now asked the endpoint");
    await show(`${src} [data-testid="check-result"]`);
    shot("quota-sources-checked");

    // A poll interval the app refuses: the error at that field, nothing written.
    await fill(`${src} input[name="poll_interval_secs"]`, "-5");
    await (await wd.waitCss('[data-testid="save-sources"]')).click();
    const err = await (await wd.waitCss(`${src} input[name="poll_interval_secs"] ~ .field-error`, { timeout: 5000 })).text();
    assert.match(err, /at least 0\.25/);
    const file = () => JSON.parse(fs.readFileSync(path.join(env.home, ".codex-helper/usage_providers.json"), "utf8"));
    assert.ok(!file().providers.some((p) => p.id === "mockjson"), "a refused save writes nothing");
    await show(`${src} input[name="poll_interval_secs"]`);
    shot("quota-sources-refused");

    await fill(`${src} input[name="poll_interval_secs"]`, "0.5");
    await (await wd.waitCss('[data-testid="save-sources"]')).click();
    await wd.waitCss('[data-testid="saved"]', { timeout: 5000 });
    const saved = file().providers.find((p) => p.id === "mockjson");
    assert.equal(saved.kind, "json_fields");
    assert.deepEqual(saved.windows, [{ name: "monthly", used: "data.monthly_spent_usd", limit: "data.monthly_budget_usd", unit: "usd" }]);
    assert.ok(file().providers.some((p) => p.id === "mockquota"), "the other source is kept");
    // It covers the active config's upstream on 127.0.0.1.
    assert.match(await (await wd.waitCss(`${src} .covers`)).text(), /codex · [\w-]+ · 127\.0\.0\.1/);
    await show('[data-testid="saved"]');
    shot("quota-sources-saved");

    await (await wd.waitCss('[data-testid="close-quota-sources"]')).click();
    const win = await waitFor("the new source's window on the Usage screen", async () => {
      const t = await textOf('[data-testid="quota-upstream"][data-provider="mockjson"] [data-testid="quota-window"]');
      return t || false;
    }, { timeout: 15_000, interval: 300 });
    assert.match(win, /monthly/);
    assert.match(win, /\$2\.50 \/ \$10\.00/);
    await show('[data-testid="quota-windows"]');
    shot("usage-quota-windows");
  });

  flow("(failover) a failing primary: the request still succeeds and a failover is notified on D-Bus", async () => {
    const previous = env.configJson().codex.active;
    await activateFlaky("flaky", env.mockB);
    await env.mockC.fail(503);
    try {
      const before = env.notifications().length;
      const triedC = env.mockC.seen("/v1/responses").length;
      const res = await env.codexRequest("failover please");
      assert.equal(res.status, 200, res.text);
      assert.match(res.text, /hello from relay-b/, "the second upstream answered");
      assert.equal(env.mockC.seen("/v1/responses").length, triedC + 1, "the primary was tried first");
      assert.ok(env.mockB.seen("/v1/responses").at(-1).body.includes("failover please"));
      const note = await waitFor("a failover notification on D-Bus", () => notesSince(before, /failed over/)[0], { timeout: 10_000 });
      assert.equal(note.summary, `Codex failed over to 127.0.0.1:${env.mockB.port}`);
      assert.equal(note.body, `127.0.0.1:${env.mockC.port}, the primary upstream of flaky, is not answering well.`);
      // Clickable: the default action (what a click on the popup does).
      assert.match(note.raw, /string "default"\s+string "Open"/, "the notification has a default action");
      shot("failover-notification");
    } finally {
      await env.mockC.fail(null);
      env.ch("config", "set-active", previous, "--codex");
    }
  });

  flow("(click) clicking a failover notification opens the window at Logs", async () => {
    // The user closed the window long ago: its process is gone.
    await ensureWindow();
    await released(await closeWindow());
    const previous = env.configJson().codex.active;
    // Older popups would stack above it: start from none.
    env.dunstctl("close-all");
    await activateFlaky("flaky-click", env.mockA);
    await env.mockC.fail(503);
    try {
      const before = env.notifications().length;
      const res = await env.codexRequest("click me");
      assert.equal(res.status, 200, res.text);
      const title = `Codex failed over to 127.0.0.1:${env.mockA.port}`;
      await waitFor("the failover notification", () => notesSince(before, /failed over/).some((n) => n.summary === title), { timeout: 10_000 });
      await waitFor("dunst to show it", () => env.dunstctl("count", "displayed") === "1", { timeout: 5000 });
      assert.equal(env.windowPids().length, 0, "no window before the click");
      shot("click-notification-shown");
      // A middle click on the popup: dunst invokes the default action
      // (ActionInvoked on D-Bus) and closes it.
      env.clickNotification("middle");
      await waitFor("dunst to close it", () => env.dunstctl("count", "displayed") === "0", { timeout: 5000 });
      assert.match(fs.readFileSync(env.notifyLog, "utf8"), /member=ActionInvoked\s+uint32 \d+\s+string "default"/, "ActionInvoked(default) on D-Bus");
      wd = await env.attachWindow();
      await wd.waitCss('main[data-screen-shown="logs"]', { timeout: 15_000 });
      assert.equal(await wd.execute("return location.hash"), "#logs");
      assert.ok(env.visibleWindows(env.windowPids()[0]).length, "the window is shown");
      shot("click-opened-logs");
    } finally {
      await env.mockC.fail(null);
      env.ch("config", "set-active", previous, "--codex");
    }
  });

  flow("(release) a closed window's process exits; the tray keeps serving and opens a new window", async () => {
    await ensureWindow();
    const resident = env.pidsOf(env.appBin);
    assert.equal(resident.length, 1, "one resident process");
    const closedAt = Date.now();
    const first = await closeWindow();
    assert.ok(env.windowPids().includes(first), "closing hides the window; its process lives on a while");
    await released(first);
    const after = Date.now() - closedAt;
    assert.ok(after >= (RELEASE_SECS - 0.5) * 1000, `the window process exited ${after} ms after the close, before its ${RELEASE_SECS} s`);
    // The resident process goes on serving, tray and all.
    assert.deepEqual(env.pidsOf(env.appBin), resident);
    const res = await env.codexRequest("while the window is gone");
    assert.equal(res.status, 200, res.text);
    assert.equal(tray.level(), "serving");
    assert.ok(tray.labels().includes("Open window"), JSON.stringify(tray.labels()));
    shot("released-tray-only");

    tray.click("Open window");
    wd = await env.attachWindow();
    const [second] = env.windowPids();
    assert.notEqual(second, first, "a new window process");
    await wd.waitCss('main[data-screen-shown="dashboard"]', { timeout: 15_000 });
    // It works: live state from the resident process, and navigation.
    const active = env.configJson().codex.active;
    await waitFor(`the Dashboard to show ${active}`, async () => (await activeConfigShown()) === active, { timeout: 10_000 });
    await open("configs");
    await wd.waitCss(`[data-config="${active}"].is-active`, { timeout: 5000 });
    assert.ok(env.visibleWindows(second).length, "the new window is shown");
    shot("reopened-window");
  });

  flow("(single) launching the app again shows the running one's window and exits", async () => {
    await ensureWindow();
    await open("dashboard");
    const resident = env.pidsOf(env.appBin);
    const closedAt = Date.now();
    const win = await closeWindow();
    const second = env.launchAgain("--screen", "usage");
    assert.equal(second.status, 0, `exit ${second.status ?? second.signal}: ${second.stderr}`);
    assert.ok(second.ms < 5000, `the second launch took ${second.ms} ms`);
    assert.match(second.stderr, /already running/);
    await waitFor("the hidden window shown again", () => env.visibleWindows(win).length > 0, { timeout: 5000 });
    assert.deepEqual(env.windowPids(), [win], "the hidden window is reused");
    assert.deepEqual(env.pidsOf(env.appBin), resident, "still the one resident process");
    await wd.waitCss('main[data-screen-shown="usage"]', { timeout: 5000 });
    shot("second-launch-usage");
    // Shown again before its release: it stays.
    await new Promise((r) => setTimeout(r, Math.max(0, RELEASE_SECS * 1000 + 1000 - (Date.now() - closedAt))));
    assert.deepEqual(env.windowPids(), [win], "a window shown again is not released");
    assert.ok(env.visibleWindows(win).length > 0);
  });

  flow("(repair) killed while routing Codex: the next start, on another port, switches Codex back", async () => {
    const toml = path.join(env.home, ".codex", "config.toml");
    const mine = "# before the crash\nmodel = \"gpt-5\"   # mine\n";
    fs.writeFileSync(toml, mine);
    const read = () => fs.readFileSync(toml, "utf8");
    const oldPort = env.codexPort;
    tray.click("Route Codex through proxy");
    await waitFor("config.toml to point at the app's proxy", () => read().includes(`127.0.0.1:${oldPort}`), { timeout: 5000 });

    const [resident] = env.pidsOf(env.appBin);
    process.kill(resident, "SIGKILL");
    // Its window follows (its line to the app closed).
    await waitFor("every app process gone", () => env.appPids().length === 0, { timeout: 10_000, interval: 100 });
    assert.ok(read().includes(`127.0.0.1:${oldPort}`), "nobody put the file back: the app was killed");
    await assert.rejects(env.codexRequest(), "nothing serves the old port");

    // Next start: Codex on another port.
    do env.codexPort = await freePort();
    while (env.codexPort === oldPort);
    env.editSettings((s) => {
      s.codex.port = env.codexPort;
    });
    wd = await env.relaunchApp();
    tray.forget();
    await wd.waitCss('main[data-screen-shown="dashboard"]', { timeout: 30_000 });
    assert.equal(read(), mine, "the start switched Codex back byte for byte");
    const res = await env.codexRequest();
    assert.equal(res.status, 200, res.text);
    await waitFor("the serving tray icon", () => tray.level() === "serving", { timeout: 10_000 });
    assert.ok(tray.menu().some((i) => i.label === "Route Codex through proxy" && !i.checked), JSON.stringify(tray.menu()));
    assert.equal(env.pidsOf(env.appBin).length, 1);
    shot("repaired-after-kill");
  });

  // Last: it ends the app.
  flow("(quit) Quit from the tray switches Codex back and stops the proxies", async () => {
    const toml = path.join(env.home, ".codex", "config.toml");
    const mine = "# before quitting\nmodel = \"gpt-5\"\n";
    fs.writeFileSync(toml, mine);
    tray.click("Route Codex through proxy");
    await waitFor("config.toml to point at the app's proxy", () => fs.readFileSync(toml, "utf8").includes(`127.0.0.1:${env.codexPort}`), { timeout: 5000 });
    tray.click("Quit");
    await waitFor("the app to exit", () => env.appPids().length === 0, { timeout: 20_000, interval: 200 });
    assert.equal(fs.readFileSync(toml, "utf8"), mine, "Quit put the client's file back byte for byte");
    await assert.rejects(env.codexRequest(), "the proxy is no longer listening");
  });
});

// End-to-end through the real desktop app: WebDriver drives the window, the
// proxy in the app's process forwards to mock relays, the CLI shares the same
// HOME, notifications are read off the D-Bus session bus.
// Run by scripts/test.sh (which builds the binaries); alone:
//   node --test tests/gui/
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { GuiEnv, artifactsDir } from "./env.mjs";
import { Tray } from "./tray.mjs";
import { waitFor } from "./webdriver.mjs";

const KEY_A = "sk-test-aaaa1111aaaa9999";
const KEY_B = "sk-test-bbbb2222bbbb";
const SMOKE = "starts serving and shows the Dashboard";

describe("desktop app (tauri-driver, Xvfb, D-Bus)", { timeout: 300_000 }, () => {
  const env = new GuiEnv();
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
    for (const screen of ["configs", "usage", "logs", "sessions", "settings", "dashboard"]) {
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
    const n2 = env.notifications().length;
    await waitFor("a recovery notification", () => env.notifications().length > n2, { timeout: 15_000 });
    await waitFor("the serving tray icon again", () => tray.level() === "serving", { timeout: 5000 });
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

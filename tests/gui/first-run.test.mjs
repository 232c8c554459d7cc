// The first start in a fresh home: the tray app offers "Start at login" once,
// as a notification with two buttons (Start at login / Not now), seen on the
// D-Bus session bus. Choosing "Start at login" (through dunst's context menu,
// as a user would) writes the autostart entry and turns the Settings toggle
// on; the next start asks nothing. In Chinese, the same offer in Chinese.
// Screenshots: artifacts/first-run-*.png. The other suites start with the
// offer already answered (GuiEnv's `firstRun: false`).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { GuiEnv, artifactsDir } from "./env.mjs";
import { waitFor } from "./webdriver.mjs";

/** Starts the app in the tray (no window) as a login session would, and waits until it serves. */
async function startApp(env, name) {
  const log = path.join(env.tmp, `${name}.log`);
  const out = fs.openSync(log, "a");
  const app = spawn(env.appBin, ["--hidden"], { env: env.env, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  env.logs[name] = log;
  const exited = new Promise((resolve) => app.on("exit", (code, signal) => resolve({ code, signal })));
  await waitFor(`${name} serving`, async () => {
    const res = await fetch(`http://127.0.0.1:${env.codexPort}/__codex_helper/health`).catch(() => null);
    return res?.ok;
  }, { timeout: 30_000, interval: 200 });
  return {
    /** SIGTERM, as a logout does; resolves with how it exited. */
    async stop() {
      app.kill("SIGTERM");
      return exited;
    },
    log: () => fs.readFileSync(log, "utf8"),
  };
}

const offers = (env, title) => env.notifications().filter((n) => n.summary === title);
const offerFile = (env) => path.join(env.home, ".codex-helper/autostart_offer.json");

describe("first run: the start-at-login offer", { timeout: 120_000 }, () => {
  const env = new GuiEnv({ firstRun: true });
  process.once("exit", () => env.killAll());

  before(async () => {
    await env.start();
  });

  after(async () => {
    await env.stop();
  });

  it("is made once per home, and accepting it writes the autostart entry", { timeout: 100_000 }, async () => {
    const title = "Start codex-helper at login?";
    const first = await startApp(env, "app-first");
    const [offer] = await waitFor("the offer on the bus", () => offers(env, title).length && offers(env, title), { timeout: 15_000 });
    assert.match(offer.body, /Settings/);
    for (const s of ["start-at-login", "Start at login", "not-now", "Not now"]) {
      assert.ok(offer.raw.includes(`string "${s}"`), `action ${s} in ${offer.raw}`);
    }
    // Shown means asked: kept before any answer.
    await waitFor("the offer recorded", () => fs.existsSync(offerFile(env)), { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 500)); // dunst draws it
    env.screenShot(path.join(artifactsDir, "first-run-offer.png"));

    env.chooseAction("Start at login");
    const entryFile = path.join(env.home, ".config/autostart/codex-helper.desktop");
    const entry = await waitFor("the autostart entry", () => fs.existsSync(entryFile) && fs.readFileSync(entryFile, "utf8"), { timeout: 10_000 });
    assert.match(entry, new RegExp(`^Exec="${env.appBin.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"$`, "m"));
    assert.match(entry, /^Icon=codex-helper-app$/m, "the icon the packages install");
    const settings = JSON.parse(fs.readFileSync(path.join(env.home, ".codex-helper/settings.json"), "utf8"));
    assert.equal(settings.app.start_at_login, true, "the Settings toggle shows it on");
    assert.equal(JSON.parse(fs.readFileSync(offerFile(env), "utf8")).answer, "accepted");
    assert.deepEqual(await first.stop(), { code: 0, signal: null }, first.log());

    // The next start asks nothing.
    const before = env.notifications().length;
    const second = await startApp(env, "app-second");
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(env.notifications().slice(before).filter((n) => n.summary === title), [], "asked once per home");
    assert.equal(offers(env, title).length, 1);
    assert.deepEqual(await second.stop(), { code: 0, signal: null }, second.log());
  });
});

describe("first run in Chinese", { timeout: 60_000 }, () => {
  const env = new GuiEnv({ firstRun: true, env: { CODEX_HELPER_LANG: "zh-CN" } });
  process.once("exit", () => env.killAll());

  before(async () => {
    await env.start();
  });

  after(async () => {
    await env.stop();
  });

  it("offers it in Chinese, and a dismissed offer is not made again", { timeout: 50_000 }, async () => {
    const title = "登录时启动 codex-helper？";
    const first = await startApp(env, "app-first-zh");
    const [offer] = await waitFor("the offer in Chinese", () => offers(env, title).length && offers(env, title), { timeout: 15_000 });
    assert.ok(offer.raw.includes('string "登录时启动"') && offer.raw.includes('string "暂不"'), offer.raw);
    await new Promise((r) => setTimeout(r, 500));
    env.screenShot(path.join(artifactsDir, "first-run-offer-zh-CN.png"));
    // Closed without a choice: that is an answer too.
    env.dunstctl("close");
    await waitFor("dismissed", () => fs.existsSync(offerFile(env)) && JSON.parse(fs.readFileSync(offerFile(env), "utf8")).answer === "dismissed", { timeout: 10_000 });
    assert.ok(!fs.existsSync(path.join(env.home, ".config/autostart/codex-helper.desktop")));
    assert.deepEqual(await first.stop(), { code: 0, signal: null }, first.log());

    const second = await startApp(env, "app-second-zh");
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(offers(env, title).length, 1, "asked once per home");
    assert.deepEqual(await second.stop(), { code: 0, signal: null }, second.log());
  });
});

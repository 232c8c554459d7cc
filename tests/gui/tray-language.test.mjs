// The tray follows the `language` setting while the app runs: Chinese from
// settings.json, then English once the setting changes, without a restart.
// (No CODEX_HELPER_LANG here: an empty value is ignored, so the setting decides.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { GuiEnv } from "./env.mjs";
import { Tray } from "./tray.mjs";
import { waitFor } from "./webdriver.mjs";

describe("tray language", { timeout: 180_000 }, () => {
  const env = new GuiEnv({ env: { CODEX_HELPER_LANG: "" } });
  const tray = new Tray(env);
  process.once("exit", () => env.killAll());

  before(async () => {
    await env.start();
    env.editSettings((s) => {
      s.language = "zh-CN";
    });
    await env.launchApp();
  });

  after(async () => {
    await env.stop();
  });

  it("speaks the setting's language and switches when it changes", { timeout: 120_000 }, async () => {
    await waitFor("the tray menu in Chinese", () => tray.labels().includes("打开窗口"), { timeout: 30_000, interval: 200 });
    const zh = tray.labels();
    assert.ok(zh.includes("退出"), JSON.stringify(zh));
    assert.ok(zh.includes("让 Codex 走代理"), JSON.stringify(zh));
    env.editSettings((s) => {
      s.language = "en";
    });
    await waitFor("the tray menu in English", () => tray.labels().includes("Open window"), { timeout: 30_000, interval: 200 });
    const en = tray.labels();
    assert.ok(en.includes("Quit") && en.includes("Route Codex through proxy"), JSON.stringify(en));
    assert.ok(!en.includes("打开窗口"), JSON.stringify(en));
  });
});

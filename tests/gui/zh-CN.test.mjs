// The window in Simplified Chinese: the app started with
// CODEX_HELPER_LANG=zh-CN (as a user on a Chinese desktop, or one who chose
// 简体中文 in Settings), every screen opened and photographed
// (artifacts/zh-*-<screen>-zh-CN.png: look at them for clipped text and CJK
// glyphs), and some Chinese labels asserted. The English flows are app.test.mjs.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { GuiEnv, artifactsDir } from "./env.mjs";
import { waitFor } from "./webdriver.mjs";

/** Each screen and a label it shows in Chinese (its <h1>). */
const SCREENS = [
  ["dashboard", "概览"],
  ["configs", "配置"],
  ["usage", "用量"],
  ["logs", "日志"],
  ["sessions", "会话"],
  ["filters", "过滤规则"],
  ["settings", "设置"],
];

describe("desktop app in Simplified Chinese", { timeout: 240_000 }, () => {
  const env = new GuiEnv({ env: { CODEX_HELPER_LANG: "zh-CN" } });
  /** @type {import("./webdriver.mjs").Session} */
  let wd;
  process.once("exit", () => env.killAll());

  before(async () => {
    await env.start();
    wd = await env.launchApp();
  });

  after(async () => {
    await env.stop();
  });

  it("shows every screen in Chinese", { timeout: 180_000 }, async () => {
    await wd.waitCss('main[data-screen-shown="dashboard"]', { timeout: 30_000 });
    // The language arrives from the backend (ui_language) just after start.
    await waitFor("the sidebar in Chinese", async () => (await (await wd.css('button[data-screen="dashboard"]')).text()).includes("概览"), { timeout: 15_000 });
    assert.equal(await wd.execute("return document.documentElement.lang"), "zh-CN");
    let n = 0;
    for (const [screen, label] of SCREENS) {
      await (await wd.waitCss(`button[data-screen="${screen}"]`)).click();
      await wd.waitCss(`main[data-screen-shown="${screen}"]`);
      await waitFor(`the ${screen} heading ${label}`, async () => (await (await wd.css("main h1")).text()).includes(label), { timeout: 10_000 });
      // Let live data and charts settle before the picture.
      await new Promise((r) => setTimeout(r, 1500));
      n += 1;
      env.screenShot(path.join(artifactsDir, `zh-${String(n).padStart(2, "0")}-${screen}-zh-CN.png`));
    }
    // The migration, backup and undo cards (Settings is the screen shown).
    await wd.execute("document.querySelector('[data-testid=card-cc-switch]').scrollIntoView({ block: 'start' })");
    assert.match(await (await wd.css('[data-testid="card-cc-switch"] h2')).text(), /从 cc-switch 导入/);
    await (await wd.css('[data-testid="undo-preview"]')).click();
    await wd.waitCss('[data-testid="card-undo"] .banner');
    await new Promise((r) => setTimeout(r, 500));
    env.screenShot(path.join(artifactsDir, `zh-${String(n + 1).padStart(2, "0")}-settings-reach-zh-CN.png`));
    // The Settings screen offers the language, showing the one in effect.
    const options = await wd.execute('return [...document.querySelectorAll("select[name=language] option")].map((o) => o.textContent)');
    assert.deepEqual(options, ["跟随系统", "English", "简体中文"]);
  });
});

// The window in Simplified Chinese: the app started with
// CODEX_HELPER_LANG=zh-CN (as a user on a Chinese desktop, or one who chose
// 简体中文 in Settings), a few requests sent and some quota spent so every
// panel has something to show, every screen opened and photographed
// (artifacts/zh-*-<screen>-zh-CN.png: look at them for clipped text and CJK
// glyphs), and some Chinese labels asserted, also text the screens build in
// code (validation messages, notices, chart axes, money). The English flows
// are app.test.mjs.
import assert from "node:assert/strict";
import fs from "node:fs";
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
    // A Codex session for the Sessions screen (its start time, as a date).
    const id = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const day = path.join(env.env.CODEX_HOME, "sessions", "2026", "12", "01");
    fs.mkdirSync(day, { recursive: true });
    fs.writeFileSync(
      path.join(day, `rollout-2026-12-01T10-00-00-${id}.jsonl`),
      JSON.stringify({ type: "session_meta", payload: { id, timestamp: "2026-12-01T10:00:00.000Z", cwd: env.home } }) + "\n" +
        JSON.stringify({ type: "event_msg", payload: { type: "user_message", message: "把日志里的时间改成本地格式" } }) + "\n",
    );
    wd = await env.launchApp();
  });

  after(async () => {
    await env.stop();
  });

  /** Opens a screen from the sidebar. */
  async function open(screen) {
    await (await wd.waitCss(`button[data-screen="${screen}"]`)).click();
    await wd.waitCss(`main[data-screen-shown="${screen}"]`);
  }

  it("shows every screen in Chinese", { timeout: 180_000 }, async () => {
    await wd.waitCss('main[data-screen-shown="dashboard"]', { timeout: 30_000 });
    // Something for the charts, logs, cost and quota panels to show.
    env.mockB.quota.spent = 3.2;
    await env.mockB.applied();
    for (let i = 0; i < 3; i++) assert.equal((await env.codexRequest(`你好 ${i}`)).status, 200);
    // The language arrives from the backend (ui_language) just after start.
    await waitFor("the sidebar in Chinese", async () => (await (await wd.css('button[data-screen="dashboard"]')).text()).includes("概览"), { timeout: 15_000 });
    assert.equal(await wd.execute("return document.documentElement.lang"), "zh-CN");
    let n = 0;
    for (const [screen, label] of SCREENS) {
      await open(screen);
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

  it("says in Chinese what the screens build in code: money, chart axes, validation, notices", { timeout: 120_000 }, async () => {
    let n = SCREENS.length;
    const shot = (name) => env.screenShot(path.join(artifactsDir, `zh-${String(++n).padStart(2, "0")}-${name}-zh-CN.png`));

    // Money as zh-CN writes USD (Intl): the quota budget on the Dashboard.
    await open("dashboard");
    await wd.waitBody(/已用 US\$3\.20 \/ US\$10\.00/, { timeout: 15_000 });

    // The usage chart's day axis (uPlot draws on a canvas; Chart keeps its labels).
    await open("usage");
    const ticks = await waitFor("the chart's day labels", async () => {
      const t = await wd.execute('return document.querySelector(".chart")?.dataset.xTicks ?? ""');
      return t || false;
    }, { timeout: 15_000 });
    assert.match(ticks, /^\d{1,2}月\d{1,2}日(\|\d{1,2}月\d{1,2}日)*$/, ticks);
    // The quota window's amount: words and money in Chinese.
    await wd.waitBody(/US\$3\.20 \/ US\$10\.00/, { timeout: 15_000 });
    // Lower down: the cost panel and the by-day table, days as zh-CN writes them.
    await wd.execute('document.querySelector("[data-testid=cost-panel]").scrollIntoView()');
    await wd.waitBody(/\d{4}年\d{1,2}月\d{1,2}日/);
    assert.match(await (await wd.css('[data-testid="cost-panel"] h2')).text(), /^费用 US\$\d+\.\d+/);
    shot("usage-cost");
    await (await wd.css('[data-testid="open-quota-sources"]')).click();
    await wd.waitCss('[data-testid="quota-sources"]');
    const kinds = await wd.execute('return [...document.querySelectorAll("[data-testid=quota-sources] select option")].map((o) => o.textContent)');
    assert.ok(kinds.includes("预算 JSON（monthly_budget_usd / monthly_spent_usd）"), JSON.stringify(kinds));
    shot("quota-sources");
    await (await wd.css('[data-testid="close-quota-sources"]')).click();

    // Sessions: the start time as a Chinese date.
    await open("sessions");
    await wd.waitBody(/开始于 2026年12月1日 \d{2}:\d{2}/, { timeout: 15_000 });
    shot("sessions-list");

    // Configs: the speed test's line, the protocol hint, a refused form, a notice.
    await open("configs");
    await (await wd.waitCss('[data-testid="speed-test"] button')).click();
    await wd.waitBody(/连接 \d+ ms · 首字延迟 \d+ ms/, { timeout: 30_000 });
    shot("configs-speed");
    assert.match(await (await wd.waitCss('[data-testid="protocol-explained"]')).text(), /^中转提供 OpenAI Responses API/);
    await wd.execute(
      "const i = document.querySelector('input[name=base_url]'); i.value = 'ftp://relay.example.com'; i.dispatchEvent(new Event('input', { bubbles: true }));",
    );
    await (await wd.css('#upstream-form button[type="submit"]')).click();
    await wd.waitBody(/只支持 http 和 https 的 URL（当前为 ftp）/);
    await wd.waitBody(/请粘贴密钥（如果中转不需要密钥，请选择“无密钥”）/);
    shot("configs-refused");
    await wd.execute(
      "const s = document.querySelector('[data-config=\"relay-b\"] select[data-testid=strategy]'); s.value = 'round-robin'; s.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    await waitFor("the strategy notice in Chinese", async () =>
      (await (await wd.css('[role="status"]')).text()) === "relay-b 现在使用 round-robin（原为 priority）。", { timeout: 10_000 });
    await wd.execute('document.querySelector("[role=status]").scrollIntoView({ block: "center" })');
    shot("configs-notice");

    // A failing relay: the Dashboard's upstream line in Chinese (core's error text as it is).
    await env.mockB.fail(503);
    assert.notEqual((await env.codexRequest("失败一次")).status, 200);
    await env.mockB.fail(null);
    await open("dashboard");
    await wd.waitBody(/最近错误（HTTP 503）：/, { timeout: 15_000 });
    shot("dashboard-error");
  });
});

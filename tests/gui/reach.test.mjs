// Taking a setup over, in the real app: a fresh home with no config and a
// cc-switch store made from cc-switch's own schema (tests/fixtures/
// cc-switch.sql, the store the CLI tests import too). The Dashboard offers
// the migration (first run); the Settings card shows the plan with keys
// masked and what it cannot map, imports on confirm, and the Configs
// screen shows the relays; then export with keys (0600), undo, and a
// backup import's diff put them back. Screenshots: artifacts/reach-*.png.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { GuiEnv, artifactsDir, repoRoot } from "./env.mjs";
import { waitFor } from "./webdriver.mjs";

const LOGIN_URL = "https://login-relay.example.com";
const LOGIN_KEY = "sk-ant-login-secret-4321";

describe("migration, backup and undo in the window", { timeout: 300_000 }, () => {
  const env = new GuiEnv();
  /** @type {import("./webdriver.mjs").Session} */
  let wd;
  let shots = 0;
  process.once("exit", () => env.killAll());
  const shot = (name) => env.screenShot(path.join(artifactsDir, `reach-${String(++shots).padStart(2, "0")}-${name}.png`));
  const configFile = () => path.join(env.home, ".codex-helper/config.json");

  async function open(screen) {
    await (await wd.waitCss(`button[data-screen="${screen}"]`)).click();
    await wd.waitCss(`main[data-screen-shown="${screen}"]`);
  }
  async function scrollTo(selector) {
    await wd.execute("document.querySelector(arguments[0]).scrollIntoView({ block: 'start' })", [selector]);
  }
  const text = async (selector) => (await wd.waitCss(selector)).text();

  // Each flow needs the one before (the store imported, then undone...).
  let broken = false;
  function flow(name, fn) {
    it(name, { timeout: 90_000 }, async (t) => {
      if (broken) return t.skip("an earlier flow failed");
      try {
        await fn();
      } catch (err) {
        broken = true;
        shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`);
        fs.writeFileSync(path.join(artifactsDir, "reach-FAILED.html"), await wd.source().catch(() => ""));
        throw err;
      }
    });
  }

  before(async () => {
    await env.start();
    // No relay for either service (a config.json with empty sections, so
    // the import is a kept change that Undo can take back).
    fs.writeFileSync(configFile(), JSON.stringify({ version: 1, codex: { active: null, configs: {} }, claude: { active: null, configs: {} }, default_service: null }, null, 2) + "\n", { mode: 0o600 });
    fs.rmSync(path.join(env.home, ".codex-helper/usage_providers.json"));
    const dir = path.join(env.home, ".cc-switch");
    fs.mkdirSync(dir, { recursive: true });
    const sql = fs.readFileSync(path.join(repoRoot, "tests/fixtures/cc-switch.sql"), "utf8");
    const r = spawnSync("sqlite3", [path.join(dir, "cc-switch.db")], { input: sql, encoding: "utf8" });
    assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
    // The original codex-helper's config (version 5, as its later releases write it).
    fs.writeFileSync(path.join(env.home, ".codex-helper/config.toml"), 'version = 5\n[codex.providers.relay]\nbase_url = "https://relay.example/v1"\nauth_token = "sk-relaysecret4321"\n[codex.routing]\nentry = "main"\n[codex.routing.routes.main]\nchildren = ["relay"]\n');
    // Claude Code's own login, which the first run offers to import.
    fs.mkdirSync(path.join(env.home, ".claude"), { recursive: true });
    fs.writeFileSync(path.join(env.home, ".claude/settings.json"), JSON.stringify({ env: { ANTHROPIC_BASE_URL: LOGIN_URL, ANTHROPIC_AUTH_TOKEN: LOGIN_KEY } }));
    wd = await env.launchApp();
  });

  after(async () => {
    await env.stop();
  });

  flow("the first run offers the cc-switch store and the form", async () => {
    await wd.waitCss('main[data-screen-shown="dashboard"]', { timeout: 30_000 });
    const offer = await text('[data-testid="first-cc-switch"]');
    assert.match(offer, /Migrate from cc-switch \(~\/\.cc-switch\/cc-switch\.db\)/);
    await wd.waitCss('[data-testid="first-form"]');
    assert.match(await text('[data-testid="first-codex-helper"]'), /Migrate from codex-helper \(~\/\.codex-helper\/config\.toml\)/);
    const login = await text('[data-testid="first-login-claude"]');
    assert.match(login, /Import the Claude login \(https:\/\/login-relay\.example\.com, key sk-…4321\)/);
    assert.ok(!login.includes(LOGIN_KEY), "the login's key is masked");
    await new Promise((r) => setTimeout(r, 800));
    shot("first-run");
    // One click shows the plan there (not written yet).
    await (await wd.css('[data-testid="first-cc-switch"]')).click();
    await wd.waitCss('[data-testid="first-run"] [data-testid="plan"] [data-planned="Packy"]');
    shot("first-run-plan");
    assert.deepEqual(JSON.parse(fs.readFileSync(configFile(), "utf8")).claude.configs, {});
  });

  flow("imports from cc-switch: masked plan, confirm, relays on the Configs screen", async () => {
    await open("settings");
    const field = await wd.waitCss('input[name="cc-switch-path"]');
    await waitFor("the default path filled in", async () => (await field.property("value")).endsWith(".cc-switch/cc-switch.db"), { timeout: 5000 });
    await (await wd.css('[data-testid="plan-cc-switch"]')).click();
    const plan = await wd.waitCss('[data-testid="card-cc-switch"] [data-testid="plan"]');
    const shown = await plan.text();
    assert.match(shown, /sk-…1234/, "the key is shown masked");
    assert.ok(!shown.includes("packysecret") && !shown.includes("cr-yessecret"), "no key in clear");
    assert.match(shown, /Yes-Relay/);
    const skipped = await text('[data-testid="card-cc-switch"] [data-testid="skipped"]');
    assert.match(skipped, /Claude Official.*official login cannot be proxied/s);
    assert.match(skipped, /Gemini.*not gemini/s);
    await scrollTo('[data-testid="card-cc-switch"]');
    shot("cc-switch-plan");
    await (await wd.css('[data-testid="confirm-cc-switch"]')).click();
    await wd.waitCss('[data-testid="card-cc-switch"] .banner.ok');
    const config = JSON.parse(fs.readFileSync(configFile(), "utf8"));
    assert.deepEqual(Object.keys(config.claude.configs), ["Packy", "Backup-Relay"]);
    assert.equal(config.claude.active, "Packy");
    assert.equal(config.codex.configs["Yes-Relay"].upstreams[0].auth.auth_token, "cr-yessecret5678");
    shot("cc-switch-imported");

    await open("configs");
    await wd.waitCss('[data-config="Yes-Relay"]');
    await (await wd.waitCss('button[role="tab"]:nth-of-type(2)')).click();
    await wd.waitCss('[data-config="Packy"]');
    await wd.waitCss('[data-config="Backup-Relay"]');
    assert.ok(!(await wd.bodyText()).includes("packysecret"));
    shot("configs-imported");
  });

  flow("plans an import from the original codex-helper (keys masked)", async () => {
    await open("settings");
    await scrollTo('[data-testid="card-codex-helper"]');
    await (await wd.waitCss('[data-testid="plan-codex-helper"]')).click();
    const plan = await text('[data-testid="card-codex-helper"] [data-testid="plan"]');
    assert.match(plan, /toml v5/);
    assert.match(plan, /main-route/);
    assert.match(plan, /sk-…4321/);
    assert.ok(!plan.includes("relaysecret"));
    shot("codex-helper-plan");
    await (await wd.waitText("Cancel", "button")).click();
    await waitFor("the plan closed", async () => (await wd.cssAll('[data-testid="card-codex-helper"] [data-testid="plan"]')).length === 0, { timeout: 5000 });
  });

  const backupFile = () => path.join(env.home, "codex-helper-backup.json");

  flow("exports a backup with keys (0600, and says so)", async () => {
    await open("settings");
    await scrollTo('[data-testid="card-export"]');
    await (await wd.waitCss('[data-testid="card-export"] input[name="with-keys"]')).click();
    await (await wd.css('[data-testid="export"]')).click();
    const note = await text('[data-testid="keys-note"]');
    assert.match(note, /0600/);
    assert.equal(fs.statSync(backupFile()).mode & 0o777, 0o600);
    const backup = JSON.parse(fs.readFileSync(backupFile(), "utf8"));
    assert.equal(backup.with_keys, true);
    assert.equal(backup.config.claude.configs.Packy.upstreams[0].auth.auth_token, "sk-packysecret1234");
    shot("exported");
  });

  flow("undo shows what it restores, then takes the import back", async () => {
    await scrollTo('[data-testid="card-undo"]');
    await (await wd.waitCss('[data-testid="undo-preview"]')).click();
    const step = await text('[data-testid="undo-step"]');
    assert.match(step, /Restores config\.json/);
    assert.match(step, /takes away: claude\/Packy/);
    assert.match(step, /codex\/Yes-Relay/);
    shot("undo-preview");
    await (await wd.css('[data-testid="undo-do"]')).click();
    await wd.waitCss('[data-testid="card-undo"] .banner.ok');
    const config = JSON.parse(fs.readFileSync(configFile(), "utf8"));
    assert.deepEqual([Object.keys(config.codex.configs), Object.keys(config.claude.configs)], [[], []]);
  });

  flow("a backup import validates, shows the diff, and merges", async () => {
    await scrollTo('[data-testid="card-import"]');
    // A file that is not a backup is refused before anything is written.
    const field = await wd.waitCss('input[name="backup-import-path"]');
    await field.clear();
    await field.type(configFile());
    await (await wd.css('[data-testid="check-backup"]')).click();
    assert.match(await text('[data-testid="card-import"] .banner.error'), /not a codex-helper backup/);
    await field.clear();
    await field.type(backupFile());
    await (await wd.css('[data-testid="check-backup"]')).click();
    const diff = await text('[data-testid="diff"]');
    assert.match(diff, /Configs · added: claude\/Packy/);
    assert.match(diff, /Configs · added: codex\/Yes-Relay/);
    shot("backup-diff");
    await (await wd.css('[data-testid="apply-backup"]')).click();
    await wd.waitCss('[data-testid="card-import"] .banner.ok');
    const config = JSON.parse(fs.readFileSync(configFile(), "utf8"));
    assert.equal(config.claude.configs.Packy.upstreams[0].auth.auth_token, "sk-packysecret1234");
    assert.deepEqual(Object.keys(config.codex.configs), ["Yes-Relay"]);
    shot("backup-merged");
  });

  flow("with no config again, the first run imports the Claude login in one click", async () => {
    fs.writeFileSync(configFile(), JSON.stringify({ version: 1, codex: { active: null, configs: {} }, claude: { active: null, configs: {} }, default_service: null }) + "\n", { mode: 0o600 });
    await open("dashboard");
    await (await wd.waitCss('[data-testid="first-login-claude"]')).click();
    assert.match(await text('.banner.ok'), /Imported Claude config .* \(now active\)/);
    const config = JSON.parse(fs.readFileSync(configFile(), "utf8"));
    const active = config.claude.configs[config.claude.active];
    assert.equal(active.upstreams[0].base_url, LOGIN_URL);
    assert.equal(active.upstreams[0].auth.auth_token, LOGIN_KEY);
    await waitFor("the offers gone", async () => (await wd.cssAll('[data-testid="first-run"]')).length === 0, { timeout: 5000 });
    shot("first-run-login-imported");
  });
});

// The GUI tests' world, built fresh per run and torn down even on failure:
// a temporary HOME (config/settings on free ports), a virtual X display
// (Xvfb), a private D-Bus session bus (tray, notifications, single instance),
// a notification server (dunst) and a D-Bus monitor writing every
// notification call to a file, three mock relays (the Rust mock upstream's
// `mock-upstream` binary, see mock.mjs), and tauri-driver
// (WebKitWebDriver) that launches the app's debug binary. A window process
// the app starts later (after the first one exited) is driven through a
// second WebKitWebDriver attached to it (attachWindow).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { startMock } from "./mock.mjs";
import { Session, waitFor } from "./webdriver.mjs";
import { closeWindow } from "./x11.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, "../..");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(repoRoot, "target");
export const artifactsDir = process.env.CH_GUI_ARTIFACTS || path.join(here, "artifacts");

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function which(cmd) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Writes a file, creating its directory (0700 like the app's own). */
function write(file, content, mode = 0o600) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2) + "\n", { mode });
}

export class GuiEnv {
  /**
   * @param {{env?: Record<string, string>, firstRun?: boolean}} [opts] `env`: more variables for the app (and
   * every helper); `firstRun`: leave the home as a first start finds it (the app then offers "Start at login"
   * once, a notification the other suites would find on top of theirs: they start as if it was answered)
   */
  constructor(opts = {}) {
    this.extraEnv = opts.env ?? {};
    this.firstRun = opts.firstRun ?? false;
    /** @type {import("node:child_process").ChildProcess[]} */
    this.children = [];
    this.cleanups = [];
    this.logs = {};
  }

  /** Starts a long-lived helper in its own process group, output to a log file. */
  spawn(name, cmd, args, opts = {}) {
    const log = path.join(this.tmp, `${name}.log`);
    const out = fs.openSync(log, "a");
    const child = spawn(cmd, args, {
      env: opts.env ?? this.env,
      stdio: opts.stdio ?? ["ignore", out, out],
      detached: true, // its own process group: teardown kills helpers' children too
    });
    fs.closeSync(out);
    child.on("error", (err) => fs.appendFileSync(log, `spawn error: ${err.message}\n`));
    this.children.push(child);
    this.logs[name] = log;
    return child;
  }

  log(name) {
    try {
      return fs.readFileSync(this.logs[name], "utf8");
    } catch {
      return "";
    }
  }

  async start() {
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), "ch-gui-"));
    this.home = path.join(this.tmp, "home");
    fs.mkdirSync(this.home, { mode: 0o700 });
    fs.mkdirSync(artifactsDir, { recursive: true });

    // The binaries, copied so a concurrent rebuild can't swap them mid-run
    // (and so the app's processes are recognisable by their path).
    // codex-helper-app (tray, proxies) starts codex-helper-window (the
    // webview) from its own directory, as installed.
    const appSrc = process.env.CH_GUI_APP_BIN || path.join(targetDir, "debug", "codex-helper-app");
    const windowSrc = path.join(path.dirname(appSrc), "codex-helper-window");
    const chSrc = process.env.CH_GUI_CH_BIN || path.join(targetDir, "debug", "ch");
    for (const [what, p] of [["app", appSrc], ["window", windowSrc], ["ch", chSrc]]) {
      if (!fs.existsSync(p)) throw new Error(`the ${what} binary ${p} is missing: run scripts/test.sh (it builds it)`);
    }
    this.appBin = path.join(this.tmp, "codex-helper-app");
    this.windowBin = path.join(this.tmp, "codex-helper-window");
    this.chBin = path.join(this.tmp, "ch");
    for (const [src, dst] of [[appSrc, this.appBin], [windowSrc, this.windowBin], [chSrc, this.chBin]]) {
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, 0o755);
    }

    // Relays and quota.
    this.mockA = await startMock("relay-a");
    this.mockB = await startMock("relay-b");
    // Relay C is the one the failover flows take down (see mock.fail).
    this.mockC = await startMock("relay-c");
    this.cleanups.push(() => this.mockA.close(), () => this.mockB.close(), () => this.mockC.close());

    // Config: relay-b (mock B) is the active Codex config; the tests add
    // relay-a through the form. Both services on free ports.
    this.codexPort = await freePort();
    this.claudePort = await freePort();
    const dir = path.join(this.home, ".codex-helper");
    write(path.join(dir, "settings.json"), {
      codex: { port: this.codexPort, enabled: true },
      claude: { port: this.claudePort, enabled: true },
      lb: { failure_threshold: 3, cooldown_ms: 2000, max_cooldown_ms: 4000 },
    });
    write(path.join(dir, "config.json"), {
      version: 1,
      codex: {
        active: "relay-b",
        configs: {
          "relay-b": {
            name: "relay-b",
            alias: null,
            upstreams: [{ base_url: this.mockB.baseUrl, auth: { auth_token: "sk-test-bbbb2222bbbb", api_key: null }, tags: {} }],
          },
        },
      },
      // Claude has a config too (never requested here): a served service
      // with no upstream shows the "down" tray icon.
      claude: {
        active: "claude-main",
        configs: {
          "claude-main": {
            name: "claude-main",
            alias: null,
            upstreams: [{ base_url: this.mockA.baseUrl.replace(/\/v1$/, ""), auth: { auth_token: null, api_key: "sk-ant-test-cccc3333" }, tags: {} }],
          },
        },
      },
      default_service: null,
    });
    // Quota: mock B's /usage covers every upstream on 127.0.0.1, polled often.
    write(path.join(dir, "usage_providers.json"), {
      providers: [
        { id: "mockquota", kind: "budget_http_json", domains: ["127.0.0.1"], endpoint: this.mockB.usageUrl, token_env: null, poll_interval_secs: 0.5 },
      ],
    });
    fs.mkdirSync(path.join(this.home, ".codex"), { recursive: true, mode: 0o700 });
    // The first-run offer (core/src/autostart_offer.rs), already made.
    if (!this.firstRun) write(path.join(dir, "autostart_offer.json"), { offered_at_ms: 0, answer: "dismissed" });

    this.env = {
      PATH: `${path.dirname(this.chBin)}:${process.env.PATH}`,
      HOME: this.home,
      CODEX_HOME: path.join(this.home, ".codex"),
      XDG_CONFIG_HOME: path.join(this.home, ".config"),
      XDG_DATA_HOME: path.join(this.home, ".local/share"),
      XDG_CACHE_HOME: path.join(this.home, ".cache"),
      XDG_RUNTIME_DIR: path.join(this.tmp, "run"),
      LANG: "C.UTF-8",
      // English asserts stay stable on any machine; a test that wants
      // another language passes it in `env` (zh-CN.test.mjs).
      CODEX_HELPER_LANG: "en",
      RUST_LOG: process.env.RUST_LOG || "info,tao=warn,wry=warn",
      RUST_BACKTRACE: "1",
      // WebKit's sandbox and GPU paths misbehave in containers and under Xvfb.
      WEBKIT_DISABLE_COMPOSITING_MODE: "1",
      WEBKIT_DISABLE_DMABUF_RENDERER: "1",
      LIBGL_ALWAYS_SOFTWARE: "1",
      NO_AT_BRIDGE: "1",
      ...this.extraEnv,
    };
    fs.mkdirSync(this.env.XDG_RUNTIME_DIR, { mode: 0o700 });

    await this.startDisplay();
    await this.startBus();
    await this.startNotifications();
    await this.startDriver();
    return this;
  }

  /** Xvfb on a display number it picks itself (-displayfd): no clashes. */
  async startDisplay() {
    const x = this.spawn("xvfb", "Xvfb", ["-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp"], {
      env: process.env,
      stdio: ["ignore", "ignore", fs.openSync(path.join(this.tmp, "xvfb.log"), "a"), "pipe"],
    });
    this.logs.xvfb = path.join(this.tmp, "xvfb.log");
    const display = await new Promise((resolve, reject) => {
      let buf = "";
      const t = setTimeout(() => reject(new Error(`Xvfb did not start: ${this.log("xvfb")}`)), 10_000);
      x.stdio[3].on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) {
          clearTimeout(t);
          resolve(buf.trim());
        }
      });
      x.on("exit", (code) => reject(new Error(`Xvfb exited (${code}): ${this.log("xvfb")}`)));
    });
    this.env.DISPLAY = `:${display}`;
  }

  /** A private session bus; its address goes to every child. */
  async startBus() {
    const bus = this.spawn("dbus", "dbus-daemon", ["--session", "--nofork", "--nopidfile", "--print-address=1"], {
      stdio: ["ignore", "pipe", fs.openSync(path.join(this.tmp, "dbus.log"), "a")],
    });
    this.logs.dbus = path.join(this.tmp, "dbus.log");
    this.env.DBUS_SESSION_BUS_ADDRESS = await new Promise((resolve, reject) => {
      let buf = "";
      const t = setTimeout(() => reject(new Error(`dbus-daemon did not start: ${this.log("dbus")}`)), 10_000);
      bus.stdout.on("data", (d) => {
        buf += d;
        if (buf.includes("\n")) {
          clearTimeout(t);
          resolve(buf.split("\n")[0].trim());
        }
      });
      bus.on("exit", (code) => reject(new Error(`dbus-daemon exited (${code}): ${this.log("dbus")}`)));
    });
  }

  /** dunst shows notifications (so the app's calls succeed); dbus-monitor records them. */
  async startNotifications() {
    this.notifyLog = path.join(this.tmp, "notifications.log");
    this.spawn("dbus-monitor", "dbus-monitor", ["--session", "interface='org.freedesktop.Notifications'"], {
      stdio: ["ignore", fs.openSync(this.notifyLog, "a"), "ignore"],
    });
    this.logs["dbus-monitor"] = this.notifyLog;
    // The monitor is ready once it has said hello on the bus.
    await waitFor("dbus-monitor", () => fs.readFileSync(this.notifyLog, "utf8").length > 0, { timeout: 10_000 });
    if (which("dunst")) {
      const dunstrc = path.join(this.tmp, "dunstrc");
      // Mouse bindings as Debian's /etc/xdg/dunst/dunstrc has them; `dunstctl
      // action` does what the middle click does (the default action).
      // Its context menu (the actions of a notification) asks `dmenu`; this
      // one answers with the line holding the label chooseAction() wrote.
      this.dmenuChoice = path.join(this.tmp, "dmenu-choice");
      const dmenu = path.join(this.tmp, "dmenu");
      fs.writeFileSync(dmenu, `#!/bin/sh\ngrep -m1 -F -- "$(cat '${this.dmenuChoice}')"\n`, { mode: 0o755 });
      fs.writeFileSync(
        dunstrc,
        "[global]\n    timeout = 0\n    width = 420\n    origin = top-right\n    offset = 10x10\n    font = Sans 10\n" +
          "    mouse_left_click = close_current\n    mouse_middle_click = do_action, close_current\n" +
          `    dmenu = ${dmenu}\n`,
      );
      this.spawn("dunst", "dunst", ["-config", dunstrc, "-print"]);
      await waitFor("dunst to own org.freedesktop.Notifications", () => this.busHasName("org.freedesktop.Notifications"), { timeout: 10_000 });
    }
  }

  busNames() {
    const r = spawnSync("dbus-send", ["--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"], { env: this.env, encoding: "utf8" });
    return [...r.stdout.matchAll(/string "([^"]+)"/g)].map((m) => m[1]);
  }
  busHasName(name) {
    return this.busNames().includes(name);
  }

  /** The Notify calls seen so far: [{summary, body}] (app name, icon etc. dropped). */
  notifications() {
    const text = fs.readFileSync(this.notifyLog, "utf8");
    const out = [];
    for (const block of text.split(/\n(?=method call|signal|method return|error)/)) {
      if (!/member=Notify\b/.test(block)) continue;
      const strings = [...block.matchAll(/^\s+string "((?:[^"\\]|\\.)*)"/gm)].map((m) => m[1]);
      // Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, timeout)
      out.push({ app: strings[0], summary: strings[2], body: strings[3], raw: block });
    }
    return out;
  }

  /**
   * Clicks the notification popup (dunst's window) with the mouse: with
   * the bindings above, the middle button invokes the notification's
   * default action and closes it, the left one only closes it.
   */
  clickNotification(button = "middle") {
    const xdo = (...args) => spawnSync("xdotool", args, { env: this.env, encoding: "utf8" });
    const [id] = xdo("search", "--onlyvisible", "--class", "Dunst").stdout.split("\n").filter(Boolean);
    if (!id) throw new Error("no notification popup on the screen");
    const geometry = xdo("getwindowgeometry", id).stdout;
    const [, x, y] = geometry.match(/Position: (\d+),(\d+)/) ?? [];
    const [, w, h] = geometry.match(/Geometry: (\d+)x(\d+)/) ?? [];
    if (!x || !w) throw new Error(`cannot read the popup's geometry: ${geometry}`);
    // The middle of the topmost notification (a popup holds them stacked).
    const at = [Number(x) + Math.floor(Number(w) / 2), Number(y) + Math.min(20, Math.floor(Number(h) / 2))];
    const r = xdo("mousemove", "--sync", String(at[0]), String(at[1]), "click", button === "middle" ? "2" : "1");
    if (r.status !== 0) throw new Error(`xdotool click: ${r.stderr}`);
  }

  /** Invokes the action labelled `label` of a notification on the screen, as its context menu would. */
  chooseAction(label) {
    fs.writeFileSync(this.dmenuChoice, label);
    this.dunstctl("context");
  }

  /** Runs `dunstctl` (the notification server's own control: what its key bindings and clicks do). */
  dunstctl(...args) {
    const r = spawnSync("dunstctl", args, { env: this.env, encoding: "utf8", timeout: 10_000 });
    if (r.status !== 0) throw new Error(`dunstctl ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r.stdout.trim();
  }

  async startDriver() {
    const driverBin = which("tauri-driver") || path.join(os.homedir(), ".cargo/bin/tauri-driver");
    const native = which("WebKitWebDriver");
    this.nativeDriver = native;
    if (!fs.existsSync(driverBin) || !native) {
      throw new Error("tauri-driver or WebKitWebDriver missing: run scripts/setup.sh test");
    }
    this.driverPort = await freePort();
    const nativePort = await freePort();
    // The app's own log (stderr) ends up in tauri-driver.log too.
    this.spawn("tauri-driver", driverBin, ["--port", String(this.driverPort), "--native-port", String(nativePort), "--native-driver", native]);
    this.driverUrl = `http://127.0.0.1:${this.driverPort}`;
    await waitFor("tauri-driver", async () => (await fetch(`${this.driverUrl}/status`)).ok, { timeout: 15_000 });
  }

  /** Launches the app through tauri-driver and returns the WebDriver session. */
  async launchApp() {
    this.launched = await Session.create(this.driverUrl, {
      browserName: "wry",
      "tauri:options": { application: this.appBin },
    });
    this.session = this.launched;
    if (!this.cleanupRegistered) {
      this.cleanupRegistered = true;
      this.cleanups.unshift(async () => {
        await this.session?.delete();
        if (this.launched !== this.session) await this.launched?.delete();
      });
    }
    return this.session;
  }

  /**
   * Launches the app again through tauri-driver after it died (SIGKILL):
   * the sessions on the dead processes are closed first.
   */
  async relaunchApp() {
    await this.#detach();
    await this.launched?.delete();
    this.launched = this.session = null;
    return this.launchApp();
  }

  /**
   * A WebDriver session on the window process that runs now. The window
   * process tauri-driver's session was made with exits once its window
   * stayed hidden; the app then starts a new one (tray, notification,
   * second launch). That one inherits the app's WEBKIT_INSPECTOR_SERVER,
   * so a second WebKitWebDriver attaches to it there (`--target`).
   */
  async attachWindow({ timeout = 20_000 } = {}) {
    const pid = await waitFor("a window process", () => this.windowPids()[0], { timeout });
    const inspector = fs
      .readFileSync(`/proc/${pid}/environ`, "utf8")
      .split("\0")
      .find((v) => v.startsWith("WEBKIT_INSPECTOR_SERVER="))
      ?.slice("WEBKIT_INSPECTOR_SERVER=".length);
    if (!inspector) throw new Error(`window process ${pid} has no WEBKIT_INSPECTOR_SERVER: was the app started by tauri-driver?`);
    await this.#detach();
    const port = await freePort();
    this.attachDriver = this.spawn("webkitwebdriver-attach", this.nativeDriver, [`--port=${port}`, `--target=${inspector}`]);
    const url = `http://127.0.0.1:${port}`;
    await waitFor("WebKitWebDriver (attach)", async () => (await fetch(`${url}/status`)).ok, { timeout: 10_000 });
    // The new process's inspector server may not listen yet: retry.
    this.session = await waitFor("a WebDriver session on the new window", () => Session.create(url, {}), { timeout, interval: 250 });
    this.attachedPid = pid;
    return this.session;
  }

  /** Drops the attached driver (its window process is gone: nothing to delete there). */
  async #detach() {
    if (!this.attachDriver) return;
    this.session = this.launched;
    try {
      process.kill(-this.attachDriver.pid, "SIGTERM");
    } catch {
      // already gone
    }
    this.attachDriver = null;
  }

  /** The X windows of process `pid` that are mapped (shown). */
  visibleWindows(pid) {
    const r = spawnSync("xdotool", ["search", "--onlyvisible", "--pid", String(pid)], { env: this.env, encoding: "utf8" });
    return r.stdout.split("\n").filter(Boolean).map(Number);
  }

  /** Closes the app's window as its title bar's ✕ would (WM_DELETE_WINDOW); returns the window process's PID. */
  async closeWindow() {
    const [pid] = this.windowPids();
    if (!pid) throw new Error("no window process to close");
    const windows = this.visibleWindows(pid);
    if (!windows.length) throw new Error(`the window process ${pid} shows no window`);
    for (const id of windows) await closeWindow(this.env.DISPLAY, id);
    return pid;
  }

  /** Starts the app binary again, as a user would from the menu (same HOME); waits for it to exit. */
  launchAgain(...args) {
    const t0 = Date.now();
    const r = spawnSync(this.appBin, args, { env: this.env, encoding: "utf8", timeout: 20_000 });
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
  }

  /** Rewrites settings.json through `edit(settings)`. */
  editSettings(edit) {
    const file = path.join(this.home, ".codex-helper/settings.json");
    const settings = JSON.parse(fs.readFileSync(file, "utf8"));
    edit(settings);
    write(file, settings);
  }

  /** Runs the `ch` binary with the test HOME. */
  ch(...args) {
    const r = spawnSync(this.chBin, args, { env: this.env, encoding: "utf8", timeout: 30_000 });
    if (r.status !== 0) throw new Error(`ch ${args.join(" ")} exited ${r.status}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  configJson() {
    return JSON.parse(fs.readFileSync(path.join(this.home, ".codex-helper/config.json"), "utf8"));
  }

  /** One Codex turn through the app's proxy (what the real CLI sends, minus the 40 KB of instructions). */
  async codexRequest(input = "say hi") {
    const res = await fetch(`http://127.0.0.1:${this.codexPort}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer client-placeholder", "session-id": "gui-test" },
      body: JSON.stringify({ model: "gpt-5", input: [{ role: "user", content: [{ type: "input_text", text: input }] }], stream: true, store: false }),
    });
    return { status: res.status, text: await res.text() };
  }

  /** A screenshot of the whole X screen (windows and notification popups). */
  screenShot(file) {
    spawnSync("import", ["-window", "root", file], { env: this.env });
    return file;
  }

  /** The processes started from our copied app binary (WebKitWebDriver may detach them). */
  /** The app's processes: the resident one and, while it lives, the window's. */
  appPids() {
    return [...this.pidsOf(this.appBin), ...this.pidsOf(this.windowBin)];
  }

  /** The window process (empty once it exited after being hidden). */
  windowPids() {
    return this.pidsOf(this.windowBin);
  }

  pidsOf(bin) {
    const pids = [];
    for (const pid of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (fs.readlinkSync(`/proc/${pid}/exe`).startsWith(bin)) pids.push(Number(pid));
      } catch {
        // gone, or not ours to read
      }
    }
    return pids;
  }

  async stop() {
    for (const fn of this.cleanups) {
      try {
        await Promise.race([fn(), new Promise((r) => setTimeout(r, 5000))]);
      } catch {
        // keep tearing down
      }
    }
    this.cleanups = [];
    this.killAll();
    if (process.env.CH_GUI_KEEP_TMP) {
      console.error(`gui: kept ${this.tmp}`);
    } else if (this.tmp) {
      // Logs worth keeping move next to the screenshots.
      for (const [name, file] of Object.entries(this.logs)) {
        try {
          fs.copyFileSync(file, path.join(artifactsDir, `${name}.log`));
        } catch {
          // never written
        }
      }
      fs.rmSync(this.tmp, { recursive: true, force: true });
    }
  }

  /** Synchronous, so it also works from process "exit". */
  killAll() {
    for (const pid of this.tmp ? this.appPids() : []) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const child of this.children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && this.children.some((c) => c.pid && alive(c.pid))) spawnSync("sleep", ["0.05"]);
    for (const child of this.children) {
      if (child.pid && alive(child.pid)) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    this.children = [];
  }
}

/** Running (a zombie not yet reaped by Node counts as gone). */
function alive(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

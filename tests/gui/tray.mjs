// Reads (and clicks) the app's tray over D-Bus, the way a panel does: the
// tray is a StatusNotifierItem (libayatana-appindicator) whose menu is
// exported with com.canonical.dbusmenu. Uses `gdbus` (libglib2.0-bin).
import { spawnSync } from "node:child_process";
import path from "node:path";

import { repoRoot } from "./env.mjs";

const ITEM = "/org/ayatana/NotificationItem/tray_icon_tray_app_main";
const LEVELS = ["off", "serving", "degraded", "down"]; // agent/icons/tray-<level>.png

export class Tray {
  /** @param {import("./env.mjs").GuiEnv} env */
  constructor(env) {
    this.env = env;
    this.dest = null;
  }

  #call(dest, objectPath, method, ...args) {
    const r = spawnSync("gdbus", ["call", "--session", "--dest", dest, "--object-path", objectPath, "--method", method, "--", ...args], {
      env: this.env.env,
      encoding: "utf8",
      timeout: 10_000,
    });
    if (r.status !== 0) throw new Error(`gdbus ${method}: ${r.stderr || r.error}`);
    return r.stdout;
  }

  /** The app was started again: its tray is on another bus connection. */
  forget() {
    this.dest = null;
  }

  /** The app's bus connection that exports the tray item (found by PID). */
  #find() {
    if (this.dest) return this.dest;
    const pids = this.env.appPids();
    for (const name of this.env.busNames().filter((n) => n.startsWith(":"))) {
      try {
        const out = this.#call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.GetConnectionUnixProcessID", name);
        if (!pids.includes(Number(out.match(/uint32 (\d+)/)?.[1]))) continue;
        this.#call(name, ITEM, "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", "Id");
        this.dest = name;
        return name;
      } catch {
        // not this connection
      }
    }
    throw new Error("no tray item on the session bus");
  }

  /** The StatusNotifierItem's IconName: the PNG file tray-icon wrote. */
  iconFile() {
    const out = this.#call(this.#find(), ITEM, "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", "IconName");
    return out.match(/<'([^']*)'>/)[1];
  }

  /** Which of the app's tray icons is shown: "off" | "serving" | "degraded" | "down" (pixel-exact). */
  level() {
    const file = this.iconFile();
    for (const level of LEVELS) {
      const icon = path.join(repoRoot, "agent/icons", `tray-${level}.png`);
      const r = spawnSync("compare", ["-metric", "AE", file, icon, "null:"], { encoding: "utf8" });
      if (r.status === 0) return level;
    }
    return `unknown (${file})`;
  }

  /** The menu items with a label, in order: [{id, label, checked, enabled}]. */
  menu() {
    const out = this.#call(this.#find(), `${ITEM}/Menu`, "com.canonical.dbusmenu.GetLayout", "0", "-1", "[]");
    // GVariant text: each item is "(<id>, {props}, [children])".
    const items = [];
    for (const m of out.matchAll(/\((\d+), \{([^{}]*)\}/g)) {
      const props = m[2];
      const label = props.match(/'label': <'((?:[^'\\]|\\.)*)'>/)?.[1] ?? props.match(/'label': <"((?:[^"\\]|\\.)*)">/)?.[1];
      if (label === undefined) continue;
      items.push({ id: Number(m[1]), label, checked: /'toggle-state': <1>/.test(props), enabled: !/'enabled': <false>/.test(props) });
    }
    return items;
  }

  labels() {
    return this.menu().map((i) => i.label);
  }

  /**
   * Clicks the menu item with this exact label (as a panel would). The app
   * rebuilds its menu when what it shows changes (new item ids): a click
   * that raced with that is refused by dbusmenu, not delivered, so it is
   * made again on the new menu, as a user would.
   */
  click(label) {
    for (let attempt = 1; ; attempt++) {
      const item = this.menu().find((i) => i.label === label);
      if (!item) throw new Error(`no tray menu item "${label}" in ${JSON.stringify(this.labels())}`);
      try {
        this.#call(this.#find(), `${ITEM}/Menu`, "com.canonical.dbusmenu.Event", String(item.id), "clicked", "<0>", "0");
        return;
      } catch (err) {
        if (attempt >= 3 || !/does not refer to a menu item/.test(err.message)) throw err;
      }
    }
  }
}

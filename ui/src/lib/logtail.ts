// Live log lines from the backend's follower. Screens that want them
// subscribe here; the follower runs while at least one screen listens.

import { commands, events, type RequestRecord } from "../bindings";

type Listener = (r: RequestRecord) => void;
const listeners = new Set<Listener>();
let unlisten: (() => void) | null = null;
let starting: Promise<void> | null = null;

async function start() {
  unlisten = await events.logLine.listen((e) => {
    for (const l of listeners) l(e.payload);
  });
  // Unfiltered: each screen filters what it shows.
  await commands.startLogTail({ service: null, status_class: null, config: null }).catch(() => undefined);
}

async function stop() {
  unlisten?.();
  unlisten = null;
  await commands.stopLogTail().catch(() => undefined);
}

/** Calls `fn` for every new log record until the returned function is called. */
export function onLogLine(fn: Listener): () => void {
  listeners.add(fn);
  if (listeners.size === 1) starting = start();
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0) void (starting ?? Promise.resolve()).then(() => (listeners.size === 0 ? stop() : undefined));
  };
}

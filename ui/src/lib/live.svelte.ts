// The app's live status, shared by every screen: fetched once, then again
// whenever the backend says the state changed (coalesced there), plus a
// slow fallback refresh while the Dashboard is shown.

import { commands, events, type StatusReport } from "../bindings";
import { errorText, unwrap } from "./result";

export const live = $state({
  status: null as StatusReport | null,
  error: null as string | null,
  /** Epoch ms of the last successful fetch. */
  updatedAt: 0,
  /** Bumped on every stateChanged event, so screens can reload their own data. */
  version: 0,
});

let inflight: Promise<void> | null = null;
let again = false;

/** Fetches `liveStatus`; calls made while one is in flight collapse into one more. */
export function refreshStatus(): Promise<void> {
  if (inflight) {
    again = true;
    return inflight;
  }
  inflight = (async () => {
    try {
      do {
        again = false;
        live.status = await unwrap(commands.liveStatus());
        live.error = null;
        live.updatedAt = Date.now();
      } while (again);
    } catch (e) {
      live.error = errorText(e);
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

let started = false;

export async function startLive(): Promise<void> {
  if (started) return;
  started = true;
  await events.stateChanged.listen(() => {
    live.version += 1;
    void refreshStatus();
  });
  await refreshStatus();
}

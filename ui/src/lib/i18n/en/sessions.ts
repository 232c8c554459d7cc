// The Sessions screen.
export const sessions = {
  "sessions.title": "Sessions",
  "sessions.copyFailed": "Could not copy: {error}",
  "sessions.opened": "Opened a terminal running {command}",
  "sessions.dir": "Project directory",
  "sessions.dirPlaceholder": "all projects (or type a project directory)",
  "sessions.client": "Client",
  "sessions.bothClients": "Codex and Claude",
  "sessions.looking": "Looking…",
  "sessions.show": "Show sessions",
  "sessions.noneIn": "No sessions found in {dir}.",
  "sessions.none": "No sessions found in any project.",
  "sessions.noMessage": "(no message yet)",
  "sessions.started": "started {when}",
  "sessions.resume": "Resume in terminal",
  "sessions.copied": "Copied ✓",
  "sessions.copy": "Copy command",
};

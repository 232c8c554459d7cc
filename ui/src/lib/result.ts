// Turning tauri-specta's `Result<T, E>` into values or thrown errors, and
// any error into text a person can read.

export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export class CommandError extends Error {}

/** The data of an ok result; throws a CommandError with the message otherwise. */
export async function unwrap<T, E>(p: Promise<Result<T, E>>): Promise<T> {
  const r = await p;
  if (r.status === "ok") return r.data;
  throw new CommandError(errorText(r.error));
}

/** Any thrown value or command error as one line of text. */
export function errorText(e: unknown): string {
  if (e == null) return "unknown error";
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  if (typeof e === "object") {
    const o = e as Record<string, unknown>;
    if (typeof o.message === "string") return o.message;
    try {
      return JSON.stringify(e);
    } catch {
      /* fall through */
    }
  }
  return String(e);
}

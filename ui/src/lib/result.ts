// Turning tauri-specta's `Result<T, E>` into values or thrown errors, and
// any error into text a person can read. Command errors are tagged
// (`{kind, detail}`, see src-tauri/src/commands/error.rs): screens branch on
// `kind` (and `detail.field`), never on the message's wording.

import type { CommandError as Tagged } from "../bindings";
import { t } from "./i18n/index.svelte";

export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

export type ErrorKind = Tagged["kind"];

/** A failed command, its kind and detail kept. */
export class CommandError extends Error {
  readonly kind: ErrorKind | null;
  readonly detail: Record<string, unknown>;

  constructor(error: unknown) {
    super(errorText(error));
    const tagged = asTagged(error);
    this.kind = tagged?.kind ?? null;
    this.detail = (tagged?.detail as Record<string, unknown> | undefined) ?? {};
  }

  /** The form field a rejected input names (`base_url`, `config`…), if any. */
  get field(): string | null {
    return this.kind === "invalid_input" && typeof this.detail.field === "string" ? this.detail.field : null;
  }
}

/** The data of an ok result; throws a CommandError (kind kept) otherwise. */
export async function unwrap<T, E>(p: Promise<Result<T, E>>): Promise<T> {
  const r = await p;
  if (r.status === "ok") return r.data;
  throw new CommandError(r.error);
}

function asTagged(e: unknown): Tagged | null {
  if (e instanceof CommandError) return e.kind ? ({ kind: e.kind, detail: e.detail } as Tagged) : null;
  if (e == null || typeof e !== "object") return null;
  const o = e as Record<string, unknown>;
  if (typeof o.kind !== "string" || o.detail == null || typeof o.detail !== "object") return null;
  return o as unknown as Tagged;
}

/** Any thrown value or command error as one line of text. */
export function errorText(e: unknown): string {
  if (e == null) return t("common.unknownError");
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  const tagged = asTagged(e);
  if (tagged && typeof (tagged.detail as { message?: unknown }).message === "string") {
    return (tagged.detail as { message: string }).message;
  }
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

/** The error's kind, for any thrown value (`null`: not a command error). */
export function errorKind(e: unknown): ErrorKind | null {
  return asTagged(e)?.kind ?? null;
}

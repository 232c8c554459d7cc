import { describe, expect, it } from "vitest";
import { CommandError, errorKind, errorText, unwrap } from "./result";

describe("command errors", () => {
  const invalid = { kind: "invalid_input", detail: { field: "base_url", message: "--base-url is not a URL" } };

  it("keep their kind and field, and read as their message", async () => {
    const err = (await unwrap(Promise.resolve({ status: "error" as const, error: invalid })).catch((e) => e)) as CommandError;
    expect(err).toBeInstanceOf(CommandError);
    expect(err.kind).toBe("invalid_input");
    expect(err.field).toBe("base_url");
    expect(errorText(err)).toBe("--base-url is not a URL");
    expect(errorKind(err)).toBe("invalid_input");
  });

  it("have no field unless the input was refused", () => {
    const err = new CommandError({ kind: "not_found", detail: { message: "codex has no config named `x`" } });
    expect(err.field).toBeNull();
    expect(err.message).toBe("codex has no config named `x`");
  });

  it("text of other thrown values is unchanged", () => {
    expect(errorText("plain")).toBe("plain");
    expect(errorText({ message: "m" })).toBe("m");
    expect(errorText(invalid)).toBe("--base-url is not a URL");
    expect(errorKind("plain")).toBeNull();
    expect(errorText(null)).toBe("unknown error");
  });
});

import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-redirect";

describe("safeNext", () => {
  it.each([
    ["/cases?page=2", "/cases?page=2"],
    ["/cases/abc#captions", "/cases/abc#captions"],
    ["/search", "/search"],
  ])("keeps the local path %s", (input, expected) => {
    expect(safeNext(input)).toBe(expected);
  });

  it.each([
    ["a backslash after the slash (browsers read /\\evil as //evil)", "/\\evil.example"],
    ["a tab between the slashes", "/\t/evil.example"],
    ["a newline between the slashes", "/\n/evil.example"],
    ["a protocol-relative URL", "//evil.example"],
    ["an absolute URL", "https://evil.example/"],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a path without a leading slash", "evil.example"],
    ["the login page itself", "/login?next=/login"],
    ["not a string", undefined],
  ])("refuses %s", (_why, input) => {
    expect(safeNext(input)).toBe("/");
  });

  it("keeps an encoded backslash encoded, so the browser never turns it into a host", () => {
    expect(safeNext("/%5Cevil.example")).toBe("/%5Cevil.example");
  });
});

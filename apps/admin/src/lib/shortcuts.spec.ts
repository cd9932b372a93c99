import { describe, expect, it } from "vitest";
import { NAV_ITEMS } from "./navigation";
import { isTyping, shellIntent } from "./shortcuts";

const key = (k: string, mods: { shiftKey?: boolean; ctrlKey?: boolean; typing?: boolean } = {}) => ({
  key: k,
  ctrlKey: mods.ctrlKey ?? false,
  metaKey: false,
  altKey: false,
  shiftKey: mods.shiftKey ?? false,
  typing: mods.typing ?? false,
});

describe("shellIntent", () => {
  it("opens the help on ?, finds on /, and starts a g sequence", () => {
    expect(shellIntent(key("?", { shiftKey: true }), false, NAV_ITEMS)).toEqual({ type: "help" });
    expect(shellIntent(key("/"), false, NAV_ITEMS)).toEqual({ type: "find" });
    expect(shellIntent(key("g"), false, NAV_ITEMS)).toEqual({ type: "prefix" });
  });

  it("goes to the page whose letter follows g", () => {
    expect(shellIntent(key("c"), true, NAV_ITEMS)).toEqual({ type: "go", href: "/cases" });
    expect(shellIntent(key("r"), true, NAV_ITEMS)).toEqual({ type: "go", href: "/review" });
    expect(shellIntent(key("d"), true, NAV_ITEMS)).toEqual({ type: "go", href: "/" });
  });

  it("offers only the pages it is given (the role's)", () => {
    const viewer = NAV_ITEMS.filter((i) => i.min !== "ADMIN");
    expect(shellIntent(key("k"), true, viewer)).toEqual({ type: "none", consumed: true });
    expect(shellIntent(key("k"), true, NAV_ITEMS)).toEqual({ type: "go", href: "/keys" });
  });

  it("consumes an unknown letter after g, so a page never sees half a sequence", () => {
    expect(shellIntent(key("x"), true, NAV_ITEMS)).toEqual({ type: "none", consumed: true });
    // Shift on its way to a capital is not the second key yet.
    expect(shellIntent(key("Shift", { shiftKey: true }), true, NAV_ITEMS)).toEqual({ type: "none", consumed: false });
  });

  it("leaves keys alone while typing or with Ctrl, and leaves pages' own letters alone", () => {
    expect(shellIntent(key("?", { typing: true }), false, NAV_ITEMS)).toEqual({ type: "none", consumed: false });
    expect(shellIntent(key("g", { ctrlKey: true }), false, NAV_ITEMS)).toEqual({ type: "none", consumed: false });
    for (const k of ["j", "k", "a", "r", "e"]) expect(shellIntent(key(k), false, NAV_ITEMS)).toEqual({ type: "none", consumed: false });
  });

  it("gives every page a distinct letter", () => {
    expect(new Set(NAV_ITEMS.map((i) => i.key)).size).toBe(NAV_ITEMS.length);
  });
});

describe("isTyping", () => {
  it.each([
    [{ tagName: "INPUT" }, true],
    [{ tagName: "TEXTAREA" }, true],
    [{ tagName: "SELECT" }, true],
    [{ tagName: "DIV", isContentEditable: true }, true],
    [{ tagName: "BUTTON" }, false],
    [null, false],
  ])("%o → %s", (target, expected) => {
    expect(isTyping(target)).toBe(expected);
  });
});

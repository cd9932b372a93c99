import { describe, expect, it } from "vitest";
import { formKeyIntent, type KeyPress } from "./form-keys";

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe("formKeyIntent", () => {
  it("closes on a bare Esc", () => {
    expect(formKeyIntent(press("Escape"))).toBe("close");
  });

  it("submits on Ctrl+Enter and ⌘+Enter", () => {
    expect(formKeyIntent(press("Enter", { ctrlKey: true }))).toBe("submit");
    expect(formKeyIntent(press("Enter", { metaKey: true }))).toBe("submit");
  });

  it.each([
    ["a plain Enter (a new line in a textarea; the browser submits one-line fields itself)", press("Enter")],
    ["Shift+Enter", press("Enter", { shiftKey: true })],
    ["Ctrl+Alt+Enter", press("Enter", { ctrlKey: true, altKey: true })],
    ["Shift+Esc", press("Escape", { shiftKey: true })],
    ["a letter", press("a")],
    ["Ctrl+a", press("a", { ctrlKey: true })],
  ])("leaves %s to the field", (_, e) => {
    expect(formKeyIntent(e)).toBeNull();
  });

  it("leaves Enter and Esc to an input method that is composing a character", () => {
    expect(formKeyIntent(press("Enter", { ctrlKey: true, isComposing: true }))).toBeNull();
    expect(formKeyIntent(press("Escape", { nativeEvent: { isComposing: true } }))).toBeNull();
  });
});

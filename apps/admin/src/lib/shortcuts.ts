import type { KeyPress } from "./form-keys";
import type { NavItem } from "./navigation";

/** What a key pressed outside a field asks the admin shell to do. */
export type ShellIntent =
  | { type: "help" }
  | { type: "prefix" }
  | { type: "go"; href: string }
  | { type: "find" }
  | { type: "none"; consumed: boolean };

/**
 * The shell's shortcuts: `?` shows the list, `/` focuses the page's search field, `g` then a page's letter
 * goes there. `afterG` says the previous key was `g`; the key that follows is consumed whatever it is, so
 * `g r` on the review page never reaches the queue's own `r` (reject). Pages keep every other key.
 */
export function shellIntent(e: KeyPress & { typing: boolean }, afterG: boolean, items: readonly NavItem[]): ShellIntent {
  if (e.typing || e.ctrlKey || e.metaKey || e.altKey) return { type: "none", consumed: false };
  if (afterG) {
    const item = items.find((i) => i.key === e.key);
    return item ? { type: "go", href: item.href } : { type: "none", consumed: e.key !== "Shift" };
  }
  if (e.key === "?") return { type: "help" };
  if (e.key === "/") return { type: "find" };
  if (e.key === "g" && !e.shiftKey) return { type: "prefix" };
  return { type: "none", consumed: false };
}

/** Whether a key event comes from a place that takes text, where letters must stay letters. */
export function isTyping(target: { tagName?: string; isContentEditable?: boolean } | null): boolean {
  if (!target?.tagName) return false;
  return target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || !!target.isContentEditable;
}

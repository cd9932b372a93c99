/** What a key pressed inside an admin form asks for; kept apart from React so it is unit-tested. */
export type FormKey = "submit" | "close";

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** True while an input method composes a character: its Enter confirms the character, not the form. */
  isComposing?: boolean;
  nativeEvent?: { isComposing?: boolean };
}

/**
 * Esc closes; Ctrl+Enter or ⌘+Enter submits from any field, a textarea included (plain Enter there is a
 * new line, and in a one-line field the browser already submits). Other keys belong to the field.
 */
export function formKeyIntent(e: KeyPress): FormKey | null {
  if (e.isComposing || e.nativeEvent?.isComposing) return null;
  if (e.key === "Escape" && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) return "close";
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) return "submit";
  return null;
}

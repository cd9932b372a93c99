import type { Role } from "./roles";

/** A page of the side navigation; `key` is the letter after `g` that goes there from anywhere. */
export interface NavItem {
  href: string;
  label: string;
  min: Role;
  key: string;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Dashboard", min: "VIEWER", key: "d" },
  { href: "/cases", label: "Cases", min: "VIEWER", key: "c" },
  { href: "/search", label: "Search", min: "VIEWER", key: "s" },
  { href: "/review", label: "Review queue", min: "VIEWER", key: "r" },
  { href: "/audit", label: "Audit", min: "ANNOTATOR", key: "a" },
  { href: "/evaluations", label: "Evaluations", min: "VIEWER", key: "e" },
  { href: "/models", label: "Models", min: "VIEWER", key: "m" },
  { href: "/keys", label: "API keys", min: "ADMIN", key: "k" },
];

/** The index `delta` steps from `index` in a list of `length`, wrapping at both ends (a lightbox's ←/→). */
export function stepIndex(index: number, delta: number, length: number): number {
  if (length <= 0) return 0;
  return (((index + delta) % length) + length) % length;
}

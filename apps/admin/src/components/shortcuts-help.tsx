"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";
import { NAV_ITEMS } from "../lib/navigation";
import { atLeast, type Role } from "../lib/roles";
import { isTyping, shellIntent } from "../lib/shortcuts";

const PAGE_KEYS: [string, [string, string][]][] = [
  [
    "Review queue",
    [
      ["j / k", "next / previous flag"],
      ["a", "accept"],
      ["r", "reject (asks for a comment first)"],
      ["e", "edit the corrected caption"],
      ["Esc", "leave the field"],
    ],
  ],
  [
    "Audit (annotators and up)",
    [
      ["j / k", "next / previous suspicion"],
      ["f", "flag for review (reasons pre-filled)"],
      ["d", "dismiss (until the caption changes)"],
      ["o", "open the case"],
    ],
  ],
  [
    "Case page (click an image for the large view)",
    [
      ["← / →", "previous / next image"],
      ["Esc", "close the large view"],
    ],
  ],
  [
    "Forms (edit caption, flag, resolve)",
    [
      ["Ctrl / ⌘ + Enter", "send"],
      ["Esc", "close the form"],
    ],
  ],
];

/** Keyboard shortcuts for the whole shell, and the `?` overlay that lists them with the pages' own. */
export function ShortcutsHelp({ role }: { role: Role }) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const items = NAV_ITEMS.filter((i) => atLeast(role, i.min));
  const itemsKey = items.map((i) => i.key).join("");

  // biome-ignore lint/correctness/useExhaustiveDependencies: `items` is derived from the role; `itemsKey` names it.
  useEffect(() => {
    // `g` waits this long for its letter, so a stray `g` does not swallow a page's key much later.
    let gAt = Number.NEGATIVE_INFINITY;
    // Capture phase: the shell decides before a page's own window listener (the review queue's `r` must not
    // see the `r` of `g r`).
    function onKey(e: KeyboardEvent) {
      // An open dialog (this list, a large image) owns the keyboard until it closes.
      if (document.querySelector("dialog[open]")) return;
      const afterG = e.timeStamp - gAt < 1500;
      const intent = shellIntent({ ...keyOf(e), typing: isTyping(e.target as HTMLElement | null) }, afterG, items);
      if (intent.type === "prefix") gAt = e.timeStamp;
      else if (afterG && !(intent.type === "none" && !intent.consumed)) gAt = Number.NEGATIVE_INFINITY;
      const field = intent.type === "find" ? document.querySelector<HTMLElement>("main input[type=search]") : null;
      if ((intent.type === "none" && !intent.consumed) || (intent.type === "find" && !field)) return;
      e.preventDefault();
      e.stopPropagation();
      if (intent.type === "help") dialog.current?.showModal();
      else if (intent.type === "go") router.push(intent.href);
      else field?.focus();
    }
    window.addEventListener("keydown", onKey, true);
    // Says the keys work from now on (tests wait for it instead of racing hydration).
    dialog.current?.setAttribute("data-ready", "");
    return () => window.removeEventListener("keydown", onKey, true);
  }, [router, itemsKey]);

  return (
    <>
      <button
        type="button"
        className="btn btn-ghost btn-sm"
        aria-keyshortcuts="?"
        aria-haspopup="dialog"
        onClick={() => dialog.current?.showModal()}
      >
        <kbd>?</kbd> Shortcuts
      </button>
      <dialog ref={dialog} className="modal" aria-labelledby="shortcuts-title" data-testid="shortcuts-help">
        <div className="card-head">
          <h2 id="shortcuts-title">Shortcuts</h2>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => dialog.current?.close()}>
            Close <kbd>Esc</kbd>
          </button>
        </div>
        <div className="card-body shortcut-groups">
          <section>
            <h3>Anywhere</h3>
            <dl className="kv">
              <dt>
                <kbd>?</kbd>
              </dt>
              <dd>this list</dd>
              <dt>
                <kbd>/</kbd>
              </dt>
              <dd>the page's search field</dd>
              {items.map((i) => (
                <Keys key={i.key} keys={`g ${i.key}`} what={i.label} />
              ))}
            </dl>
          </section>
          {PAGE_KEYS.map(([title, keys]) => (
            <section key={title}>
              <h3>{title}</h3>
              <dl className="kv">
                {keys.map(([k, what]) => (
                  <Keys key={k} keys={k} what={what} />
                ))}
              </dl>
            </section>
          ))}
        </div>
      </dialog>
    </>
  );
}

function Keys({ keys, what }: { keys: string; what: string }) {
  return (
    <>
      <dt>
        {keys.split(" ").map((k, i) =>
          k === "/" || k === "+" ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed key label.
            <span key={i}> {k} </span>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed key label.
            <kbd key={i}>{k}</kbd>
          ),
        )}
      </dt>
      <dd>{what}</dd>
    </>
  );
}

function keyOf(e: KeyboardEvent) {
  return { key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, altKey: e.altKey, shiftKey: e.shiftKey };
}

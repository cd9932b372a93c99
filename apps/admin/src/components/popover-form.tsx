"use client";

import { type ReactNode, useCallback, useEffect, useId, useRef, useState, useTransition } from "react";
import type { ActionResult } from "../actions/action.result";
import { type FormKey, formKeyIntent } from "../lib/form-keys";

/** Why a form's last submission failed: the action's message and the API error code behind it. */
export interface FormFailure {
  message: string;
  code: string;
}

export interface FormAction {
  pending: boolean;
  error: FormFailure | null;
  /** Runs a server action in a transition; a failure stays on the form, a success goes to `onOk`. */
  run<T>(task: () => Promise<ActionResult<T>>, onOk: (data: T) => void): void;
  /** A failure found before calling the API (e.g. a missing comment). */
  fail(message: string, code?: string): void;
  clear(): void;
}

/** The pending and error state every admin form shares, so forms that are not popovers keep the same feedback. */
export function useFormAction(): FormAction {
  const [pending, start] = useTransition();
  const [error, setError] = useState<FormFailure | null>(null);
  const run = useCallback(
    <T,>(task: () => Promise<ActionResult<T>>, onOk: (data: T) => void) =>
      start(async () => {
        setError(null);
        const result = await task();
        if (result.ok) onOk(result.data);
        else setError({ message: result.error, code: result.code });
      }),
    [],
  );
  const fail = useCallback((message: string, code = "BAD_USER_INPUT") => setError({ message, code }), []);
  const clear = useCallback(() => setError(null), []);
  return { pending, error, run, fail, clear };
}

/** The failure in place, under the fields; a refusal for the role reads as a warning, like the pages' error states. */
export function FormError({ error }: { error: FormFailure | null }) {
  if (!error) return null;
  return (
    <p className={`alert ${error.code === "FORBIDDEN" ? "alert-warn" : "alert-error"}`} role="alert" data-code={error.code}>
      {error.message}
    </p>
  );
}

/**
 * A form with the admin's keyboard contract: Enter in a one-line field and Ctrl/⌘+Enter anywhere submit,
 * Esc calls `onEscape` (when there is one), and a submission in flight is not sent twice.
 * The fields keep what was typed when the action fails (no form action reset), so a fix is one edit away.
 */
export function ActionForm({
  label,
  state,
  onSubmit,
  onEscape,
  actions,
  children,
  id,
  className = "stack",
}: {
  label: string;
  state: FormAction;
  onSubmit: (form: FormData) => void;
  onEscape?: () => void;
  actions: ReactNode;
  children: ReactNode;
  id?: string;
  className?: string;
}) {
  return (
    <form
      id={id}
      className={className}
      aria-label={label}
      aria-busy={state.pending}
      onSubmit={(e) => {
        e.preventDefault();
        if (!state.pending) onSubmit(new FormData(e.currentTarget));
      }}
      onKeyDown={(e) => {
        const intent: FormKey | null = formKeyIntent(e);
        if (intent === "close" && onEscape) {
          e.preventDefault();
          e.stopPropagation();
          onEscape();
        } else if (intent === "submit") {
          e.preventDefault();
          e.currentTarget.requestSubmit();
        }
      }}
    >
      {children}
      <FormError error={state.error} />
      <div className="row">{actions}</div>
    </form>
  );
}

/**
 * A button that opens a small form under it (caption edit, flag). Opening focuses the first field; Esc or
 * Cancel closes it and gives focus back to the button; after a success `onDone` runs and it closes.
 */
export function PopoverForm({
  trigger,
  label,
  submitLabel,
  pendingLabel,
  submit,
  onDone,
  children,
}: {
  /** The button's content, e.g. "✎ Edit caption". */
  trigger: ReactNode;
  /** The form's accessible name. */
  label: string;
  submitLabel: string;
  pendingLabel: string;
  submit: (form: FormData) => Promise<ActionResult<unknown>>;
  onDone: () => void;
  /** The fields; ids from `useId` keep several popovers on one page apart. */
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const action = useFormAction();
  const formId = `${useId()}-form`;
  const buttonRef = useRef<HTMLButtonElement>(null);
  const { clear } = action;

  useEffect(() => {
    if (!open) return;
    document.getElementById(formId)?.querySelector<HTMLElement>("input:not([type=hidden]), textarea, select")?.focus();
  }, [open, formId]);

  const close = useCallback(() => {
    setOpen(false);
    clear();
    buttonRef.current?.focus();
  }, [clear]);

  return (
    <div>
      <button
        type="button"
        ref={buttonRef}
        className="btn btn-sm"
        aria-expanded={open}
        aria-controls={formId}
        onClick={() => (open ? close() : setOpen(true))}
      >
        {trigger}
      </button>
      {open ? (
        <ActionForm
          id={formId}
          className="popover stack"
          label={label}
          state={action}
          onEscape={close}
          onSubmit={(form) =>
            action.run(
              () => submit(form),
              () => {
                close();
                onDone();
              },
            )
          }
          actions={
            <>
              <button type="submit" className="btn btn-primary btn-sm" disabled={action.pending}>
                {action.pending ? pendingLabel : submitLabel}
              </button>
              <button type="button" className="btn btn-ghost btn-sm" onClick={close}>
                Cancel
              </button>
              <span className="hint">
                <kbd>Ctrl</kbd>+<kbd>Enter</kbd> send · <kbd>Esc</kbd> close
              </span>
            </>
          }
        >
          {children}
        </ActionForm>
      ) : null}
    </div>
  );
}

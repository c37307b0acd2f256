// A labelled input with its error message below it, and the error message on its own.
'use client';
import type { InputHTMLAttributes } from 'react';

/** A field's (or an action's) error; nothing when there is none. `alert` announces it as it appears. */
export function FieldError({
  message,
  id,
  testId,
  alert,
  inline,
}: {
  message: string | undefined;
  id?: string | undefined;
  testId?: string | undefined;
  alert?: boolean;
  /** A <span> instead of a <p>, for a table cell. */
  inline?: boolean;
}) {
  if (!message) return null;
  const Element = inline ? 'span' : 'p';
  return (
    <Element className="field-error" id={id} data-testid={testId} role={alert ? 'alert' : undefined}>
      {message}
    </Element>
  );
}

/**
 * `<label class="field">` around an input. With `errorId`, the input is marked invalid and described by the error,
 * shown below as `#errorId` / `[data-testid=errorId]`.
 */
export function InputField({
  label,
  error,
  errorId,
  ...input
}: { label: string; error?: string | undefined; errorId?: string } & InputHTMLAttributes<HTMLInputElement>) {
  const checked = errorId === undefined ? {} : { 'aria-invalid': Boolean(error), 'aria-describedby': error ? errorId : undefined };
  return (
    <>
      <label className="field">
        <span>{label}</span>
        <input {...input} {...checked} />
      </label>
      {errorId === undefined ? null : <FieldError message={error} id={errorId} testId={errorId} />}
    </>
  );
}

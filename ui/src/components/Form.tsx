import { useEffect, useId, type ReactNode, type RefObject } from 'react';
import { fieldError, type FormErrors } from '../lib/forms';
import { Banner } from './ui';

/**
 * A labelled form row. The input is passed as a render function receiving the id and
 * aria attributes, so the label, hint and error are wired to it for screen readers.
 */
export function Field({
  label,
  name,
  errors,
  hint,
  optional,
  children,
}: {
  label: string;
  /** Matches the API's field path ("slug", "links.repo") to show its error here. */
  name: string;
  errors: FormErrors;
  hint?: ReactNode;
  optional?: boolean;
  children(props: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }): ReactNode;
}) {
  const id = useId();
  const error = fieldError(errors, name);
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="optional">optional</span>}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error ? (
        <div className="field-error" id={`${id}-error`}>
          {error}
        </div>
      ) : (
        hint && (
          <div className="field-hint" id={`${id}-hint`}>
            {hint}
          </div>
        )
      )}
    </div>
  );
}

/**
 * The banner above a form. Field problems the form has no input for are listed here too,
 * so nothing the API complains about is ever hidden.
 */
export function FormErrorBanner({ errors, shownFields }: { errors: FormErrors; shownFields: string[] }) {
  if (!errors.message) return null;
  const shown = (k: string) => shownFields.some((f) => k === f || k.startsWith(`${f}.`));
  const others = Object.entries(errors.fields).filter(([k]) => !shown(k));
  return (
    <Banner title={Object.keys(errors.fields).length ? 'Please fix the highlighted fields' : 'Could not save'}>
      {Object.keys(errors.fields).length === 0 && errors.message}
      {others.length > 0 && (
        <ul className="banner-list">
          {others.map(([k, m]) => (
            <li key={k}>
              <code className="mono">{k}</code>: {m}
            </li>
          ))}
        </ul>
      )}
    </Banner>
  );
}

/**
 * After a failed submit, moves focus to the first invalid input (centred, clear of the sticky top
 * bar) so keyboard users land on the problem; otherwise brings the error banner into view.
 */
export function useFocusFirstInvalid(form: RefObject<HTMLElement | null>, errors: FormErrors): void {
  useEffect(() => {
    if (!errors.message || !form.current) return;
    const invalid = form.current.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (invalid) {
      invalid.scrollIntoView({ block: 'center' });
      invalid.focus({ preventScroll: true });
    } else {
      form.current.querySelector('.banner')?.scrollIntoView({ block: 'center' });
    }
  }, [errors, form]);
}

import { useEffect, useId, useRef, type ReactNode } from 'react';

/** A labelled form field; the help text is tied to the control for screen readers. */
export function Field({ label, help, error, children }: { label: string; help?: ReactNode; error?: string | null; children: (id: string, describedBy: string | undefined) => ReactNode }) {
  const id = useId();
  const helpId = help ? `${id}-help` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [helpId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, describedBy)}
      {help && (
        <small id={helpId} className="muted">
          {help}
        </small>
      )}
      {error && (
        <small id={errorId} className="field-error" role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

const dialogStyle = {
  background: 'var(--surface)',
  color: 'var(--text)',
  border: '1px solid var(--border)',
  borderRadius: 'var(--radius)',
  padding: '1.25rem 1.5rem',
  maxWidth: '36rem',
  width: 'calc(100% - 2rem)',
} as const;

/** A native modal dialog: focus is trapped and Escape closes it, without a library. */
export function Modal({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    // React's autoFocus runs before showModal, which then moves focus; so the dialog picks it.
    d?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      style={dialogStyle}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="card-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}

/** Rows as a table, for a database's first rows. Values are text; nothing is interpreted as HTML. */
export function RowsTable({ columns, rows, label }: { columns: string[]; rows: Record<string, unknown>[]; label: string }) {
  return (
    <div className="wizard-scroll" tabIndex={0} role="region" aria-label={label}>
      <table className="table wizard-sample">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{r[c] === null || r[c] === undefined ? '' : String(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

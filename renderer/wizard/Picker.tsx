import { useId, useMemo, useRef, useState } from 'react';

export interface PickerOption {
  id: string;
  label: string;
  /** Secondary text: code, unit, external reference. */
  detail?: string;
}

/**
 * A searchable select (ARIA 1.2 combobox with a listbox popup): type to filter, arrows to move,
 * Enter to choose, Escape to close. Used for metrics and sites, whose lists are long.
 */
export function Picker({
  label,
  options,
  value,
  onChange,
  placeholder,
  hideLabel,
  invalid,
}: {
  label: string;
  options: PickerOption[];
  value: string;
  onChange: (id: string) => void;
  placeholder?: string;
  hideLabel?: boolean;
  invalid?: boolean;
}) {
  const id = useId();
  const listId = `${id}-list`;
  const selected = options.find((o) => o.id === value);
  const [query, setQuery] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);

  const matches = useMemo(() => {
    const q = (query ?? '').trim().toLowerCase();
    const list = q ? options.filter((o) => `${o.label} ${o.detail ?? ''}`.toLowerCase().includes(q)) : options;
    return list.slice(0, 50);
  }, [options, query]);

  const choose = (o: PickerOption) => {
    onChange(o.id);
    setQuery(null);
    setOpen(false);
  };

  return (
    <div className="picker">
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : 'picker-label'}>
        {label}
      </label>
      <input
        id={id}
        ref={inputRef}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-invalid={invalid || undefined}
        aria-activedescendant={open && matches[active] ? `${id}-opt-${active}` : undefined}
        autoComplete="off"
        placeholder={placeholder ?? 'Type to search…'}
        value={query ?? (selected ? selected.label : '')}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => {
          // Let a click on an option land before the list closes.
          setTimeout(() => {
            setOpen(false);
            setQuery(null);
          }, 150);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(matches.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === 'Enter' && open && matches[active]) {
            e.preventDefault();
            choose(matches[active]);
          } else if (e.key === 'Escape') {
            setOpen(false);
            setQuery(null);
          }
        }}
      />
      {selected?.detail && query === null && <span className="picker-detail muted small">{selected.detail}</span>}
      {open && (
        <ul id={listId} role="listbox" aria-label={label} className="picker-list">
          {matches.length === 0 && <li className="picker-empty muted">Nothing matches “{query}”.</li>}
          {matches.map((o, i) => (
            <li
              key={o.id}
              id={`${id}-opt-${i}`}
              role="option"
              aria-selected={o.id === value}
              className={i === active ? 'picker-option active' : 'picker-option'}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(o);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span>{o.label}</span>
              {o.detail && <span className="muted small"> {o.detail}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { api } from '../api';
import type { ServiceRef } from '../types';
import { Icon } from './Icon';

interface Props {
  id?: string;
  value: ServiceRef[];
  onChange(next: ServiceRef[]): void;
  /** The service being edited, which cannot depend on itself. */
  excludeSlug?: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/**
 * Multi-select of services with server-side search, so it works for catalogs of any size
 * (the list endpoint pages at 500). Selected services show as removable chips.
 */
export function ServicePicker({ id, value, onChange, excludeSlug, ...aria }: Props) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState<ServiceRef[]>([]);
  const [active, setActive] = useState(0);
  const [loading, setLoading] = useState(false);
  const listId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!open) return;
    const ctl = new AbortController();
    setLoading(true);
    const t = window.setTimeout(() => {
      api.services.list({ q: text.trim(), limit: 20 }, ctl.signal).then(
        (page) => {
          const chosen = new Set(value.map((v) => v.slug));
          setOptions(page.data.filter((s) => s.slug !== excludeSlug && !chosen.has(s.slug)).slice(0, 8));
          setActive(0);
          setLoading(false);
        },
        () => setLoading(false),
      );
    }, 150);
    return () => {
      window.clearTimeout(t);
      ctl.abort();
    };
  }, [text, open, value, excludeSlug]);

  const add = (s: ServiceRef) => {
    onChange([...value, { id: s.id, slug: s.slug, name: s.name }]);
    setText('');
    inputRef.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen(true);
      setActive((a) => Math.min(a + 1, options.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === 'Enter') {
      // Enter picks a suggestion instead of submitting the whole form.
      if (open && options[active]) {
        e.preventDefault();
        add(options[active]);
      }
    } else if (e.key === 'Escape') {
      if (open) {
        e.stopPropagation();
        setOpen(false);
      }
    } else if (e.key === 'Backspace' && text === '' && value.length > 0) {
      onChange(value.slice(0, -1));
    }
  };

  return (
    <div className="picker">
      <div className={`picker-box input${aria['aria-invalid'] ? ' invalid' : ''}`} onClick={() => inputRef.current?.focus()}>
        {value.map((v) => (
          <span key={v.slug} className="chip chip-removable">
            {v.slug}
            <button
              type="button"
              aria-label={`Remove ${v.slug}`}
              onClick={(e) => {
                e.stopPropagation();
                onChange(value.filter((x) => x.slug !== v.slug));
              }}
            >
              <Icon name="x" size={11} />
            </button>
          </span>
        ))}
        <input
          id={id}
          ref={inputRef}
          role="combobox"
          aria-expanded={open}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={open && options[active] ? `${listId}-${active}` : undefined}
          placeholder={value.length ? '' : 'Search services to add…'}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
          }}
          onFocus={() => setOpen(true)}
          // Delay so a click on an option lands before the list disappears.
          onBlur={() => window.setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
          autoComplete="off"
          spellCheck={false}
          {...aria}
        />
      </div>
      {open && (
        <ul className="picker-options" id={listId} role="listbox">
          {options.map((o, i) => (
            <li
              key={o.slug}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                add(o);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="ref-name">{o.name}</span>
              <code className="mono">{o.slug}</code>
            </li>
          ))}
          {options.length === 0 && <li className="picker-empty">{loading ? 'Searching…' : text ? 'No matching services' : 'No other services'}</li>}
        </ul>
      )}
    </div>
  );
}

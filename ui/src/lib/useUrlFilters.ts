import { useCallback, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

/**
 * List filters kept in the URL, so a filtered view can be shared in an incident channel and survives
 * back/forward. `setFilter(key, '')` removes one filter.
 */
export function useUrlFilters() {
  const [params, setParams] = useSearchParams();
  const setFilter = useCallback(
    (key: string, value: string) =>
      setParams(
        (prev) => {
          const p = new URLSearchParams(prev);
          if (value) p.set(key, value);
          else p.delete(key);
          return p;
        },
        { replace: true },
      ),
    [setParams],
  );
  /** Removes every filter, keeping only `keep` (a list's tab, say). */
  const clearFilters = (keep: Record<string, string> = {}) => setParams(keep, { replace: true });
  return { params, filter: (key: string) => params.get(key) ?? '', setFilter, clearFilters };
}

/**
 * A list's search box: what is typed goes to the URL's `q` after a pause (one request, not one per
 * keystroke). Back/forward changes `q` under the box, which follows unless it already shows that text
 * (so a trailing space being typed is kept).
 */
export function useSearchBox(q: string, setFilter: (key: string, value: string) => void): [string, (text: string) => void] {
  const [search, setSearch] = useState(q);
  useEffect(() => setSearch((text) => (text.trim() === q ? text : q)), [q]);
  useEffect(() => {
    if (search.trim() === q) return;
    const id = window.setTimeout(() => setFilter('q', search.trim()), 250);
    return () => window.clearTimeout(id);
  }, [search, q, setFilter]);
  return [search, setSearch];
}

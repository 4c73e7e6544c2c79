import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../types';

export interface PagedList<T> {
  items: T[];
  /** First page loading (filters changed or initial load). */
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

/**
 * Cursor pagination for list pages: the first page loads whenever `deps` change (new filters),
 * "Load more" appends the next page. Stale answers (filters changed meanwhile) are ignored.
 */
export function usePagedList<T>(
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<Page<T>>,
  deps: readonly unknown[],
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const generation = useRef(0);

  useEffect(() => {
    const gen = ++generation.current;
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    fetchRef.current(null, ctl.signal).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems(page.data);
        setCursor(page.next_cursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, version]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const gen = generation.current;
    setLoadingMore(true);
    fetchRef.current(cursor, new AbortController().signal).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems((prev) => [...prev, ...page.data]);
        setCursor(page.next_cursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (gen !== generation.current) return;
        setError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { items, loading, loadingMore, error, hasMore: cursor !== null, loadMore, reload };
}

import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../types';

export interface LiveList<T> {
  items: T[];
  /** First page loading (filters changed or initial load). */
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore(): void;
  /** Start over from the first page (after a filter change or "Retry"). */
  reload(): void;
  /** Re-fetch what is on screen without a loading state, e.g. after a live update. */
  refresh(): void;
  /** Replace one item in place (with what an action returned), saving a round trip. */
  replace(match: (item: T) => boolean, next: T): void;
}

const MAX_LIMIT = 500;

/**
 * Cursor pagination like `usePagedList`, plus a silent `refresh()` for live pages: it re-reads as
 * many rows as are currently shown (so "Load more" pages survive an update) and swaps them in
 * without flicker. Answers to superseded requests are ignored.
 */
export function useLiveList<T>(
  fetchPage: (cursor: string | null, limit: number, signal: AbortSignal) => Promise<Page<T>>,
  pageSize: number,
  deps: readonly unknown[],
): LiveList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const generation = useRef(0);
  const shown = useRef(0);
  shown.current = items.length;
  const refreshCtl = useRef<AbortController | null>(null);

  useEffect(() => {
    const gen = ++generation.current;
    const ctl = new AbortController();
    setLoading(true);
    setError(null);
    fetchRef.current(null, pageSize, ctl.signal).then(
      (page) => {
        if (gen !== generation.current) return;
        setItems(page.data);
        setCursor(page.next_cursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (gen !== generation.current || ctl.signal.aborted) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, version, pageSize]);

  const loadMore = useCallback(() => {
    if (!cursor || loadingMore) return;
    const gen = generation.current;
    setLoadingMore(true);
    fetchRef.current(cursor, pageSize, new AbortController().signal).then(
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
  }, [cursor, loadingMore, pageSize]);

  const refresh = useCallback(() => {
    // A newer refresh supersedes an older one; a filter change (new generation) supersedes both.
    refreshCtl.current?.abort();
    const ctl = new AbortController();
    refreshCtl.current = ctl;
    const gen = generation.current;
    const limit = Math.min(MAX_LIMIT, Math.max(pageSize, shown.current));
    fetchRef.current(null, limit, ctl.signal).then(
      (page) => {
        if (gen !== generation.current || ctl.signal.aborted) return;
        setItems(page.data);
        setCursor(page.next_cursor);
        setError(null);
      },
      () => {
        // A failed background refresh keeps the current rows; the next event or poll tries again.
      },
    );
  }, [pageSize]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  const replace = useCallback((match: (item: T) => boolean, next: T) => setItems((prev) => prev.map((i) => (match(i) ? next : i))), []);
  return { items, loading, loadingMore, error, hasMore: cursor !== null, loadMore, reload, refresh, replace };
}

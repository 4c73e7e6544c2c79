import { useEffect } from 'react';

/** Sets the tab title; many SREs keep several Ballast tabs open and tell them apart by title. */
export function useTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Ballast` : 'Ballast';
  }, [title]);
}

import { useState } from 'react';
import { slugify } from './format';

/**
 * A name (or title) and the slug derived from it: typing the name fills the slug until someone edits
 * the slug itself. When editing an existing record the slug is already chosen and is left alone.
 */
export function useNameWithSlug(initialName: string, initialSlug: string, existing: boolean) {
  const [name, setNameState] = useState(initialName);
  const [slug, setSlugState] = useState(initialSlug);
  const [slugTouched, setSlugTouched] = useState(existing);
  return {
    name,
    slug,
    setName(value: string) {
      setNameState(value);
      if (!slugTouched) setSlugState(slugify(value));
    },
    setSlug(value: string) {
      setSlugState(value);
      setSlugTouched(true);
    },
  };
}

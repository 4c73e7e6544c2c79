import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';
import { useMemo } from 'react';

// Same options as the server renderer (src/core/markdown.ts): raw HTML is escaped and only safe link
// schemes become hrefs. DOMPurify then runs over the result as a second, independent layer.
const SAFE_LINK = /^(https?:|mailto:|#|\/(?!\/))/i;
const md = new MarkdownIt({ html: false, linkify: true });
md.validateLink = (url: string) => SAFE_LINK.test(url.trim()) || !/^[a-z][a-z0-9+.-]*:/i.test(url.trim());

export function renderMarkdownSafe(source: string): string {
  return DOMPurify.sanitize(md.render(source), { USE_PROFILES: { html: true } });
}

/** Renders user-written Markdown (postmortems, runbooks, notes). Never pass pre-rendered HTML. */
export function Markdown({ source, className }: { source: string; className?: string }) {
  const html = useMemo(() => renderMarkdownSafe(source), [source]);
  return <div className={`markdown ${className ?? ''}`} dangerouslySetInnerHTML={{ __html: html }} />;
}

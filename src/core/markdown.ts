import MarkdownIt from 'markdown-it';

/**
 * The one Markdown renderer for server-side HTML (notifications, exports, `*_html` API fields).
 * Safety comes from configuration, not from scrubbing afterwards: raw HTML in the source is escaped
 * (`html: false`), and links may only use http(s), mailto or relative/anchor targets, so
 * `javascript:` and `data:` URLs never reach an href. The browser renders with the same options
 * (ui/src/components/Markdown.tsx) and adds DOMPurify as a second layer.
 */
const SAFE_LINK = /^(https?:|mailto:|#|\/(?!\/))/i;

const renderer = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false });
renderer.validateLink = (url: string) => SAFE_LINK.test(url.trim()) || !/^[a-z][a-z0-9+.-]*:/i.test(url.trim());

const defaultLinkOpen = renderer.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
renderer.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  // External links open without giving the target page a handle on Ballast's window.
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(source: string): string {
  return renderer.render(source);
}

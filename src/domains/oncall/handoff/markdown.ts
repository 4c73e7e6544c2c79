/**
 * Plain-text escaping for Markdown report bodies. Everything that comes from users or senders (alert
 * titles, names, notes) goes through `md` so it renders as the literal text: Markdown punctuation is
 * backslash-escaped (CommonMark allows that for every ASCII punctuation character), which also keeps
 * `<` and `&` from ever forming HTML or entities. No HTML is produced anywhere.
 */
const PUNCT = /[\\`*_{}[\]()#+\-.!|<>&~"'=:;$%^?@/,]/g;

/** One line of escaped text: newlines and control characters become spaces. */
export function md(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(PUNCT, (c) => `\\${c}`);
}

/** Multi-line escaped text (notes): each line escaped, line breaks kept as Markdown hard breaks. */
export function mdBlock(text: string, indent = ''): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => indent + md(line))
    .join('  \n');
}

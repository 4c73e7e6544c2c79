import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown } from '../../src/core/markdown.js';

test('raw HTML in Markdown is escaped, never emitted', () => {
  const html = renderMarkdown('hi <script>alert(1)</script> <img src=x onerror=alert(1)>');
  assert.doesNotMatch(html, /<script|<img/i);
  assert.match(html, /&lt;script&gt;/);
});

test('javascript:, vbscript: and data: links are not rendered as links', () => {
  for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'vbscript:x', 'data:text/html,<b>x</b>', ' javascript:alert(1)']) {
    const html = renderMarkdown(`[x](${url})`);
    assert.doesNotMatch(html, /href=/i, url);
  }
});

test('ordinary links, relative links and formatting survive', () => {
  const html = renderMarkdown('**bold** [docs](https://example.com/a) [rel](/runbooks/x) `code`');
  assert.match(html, /<strong>bold<\/strong>/);
  assert.match(html, /href="https:\/\/example.com\/a" rel="noopener noreferrer nofollow"/);
  assert.match(html, /href="\/runbooks\/x"/);
  assert.match(html, /<code>code<\/code>/);
});

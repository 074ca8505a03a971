/**
 * A mail's text part for the dashboard: every character escaped, and only its http(s) links turned into anchors, so
 * a mail (whose text may carry a user's display name) can never add markup, script or a `javascript:` link to the page.
 */
import { linksIn } from '../../email/worker.js';
import { html, type Html } from './html.js';

export function mailText(text: string): Html {
  const parts: Html[] = [];
  let rest = text;
  for (const link of linksIn(text)) {
    const at = rest.indexOf(link);
    parts.push(html`${rest.slice(0, at)}`, html`<a href="${link}" rel="noopener noreferrer" target="_blank" data-mail-link>${link}</a>`);
    rest = rest.slice(at + link.length);
  }
  parts.push(html`${rest}`);
  return html`<pre class="mail-text" data-mail-text>${parts}</pre>`;
}

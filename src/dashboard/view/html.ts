/**
 * HTML for the dashboard: Hono's `html` tagged template escapes every interpolated value, so user data (a
 * display name, metadata, an error message) can only ever appear as text. `raw` is not used on data anywhere.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export { html };
export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A date for tables: ISO-like, in UTC, readable at a glance. */
export function formatDate(date: Date | null | undefined): string {
  if (!date) return '—';
  return date
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export function yesNo(value: boolean): Html {
  return value ? html`<span class="badge ok">yes</span>` : html`<span class="badge">no</span>`;
}

/** Small pieces shared by the dashboard's pages: CSRF field, copyable values, notices, pager. */
import type { DashboardSession } from '../sessions.js';
import { html, type Html } from './html.js';

/** The hidden field every state-changing form carries. */
export function csrfField(session: DashboardSession): Html {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** A read-only value with a label and a copy button (the button needs the script; the field is selectable without it). */
export function copyField(id: string, label: string, value: string): Html {
  return html`<label for="${id}">${label}</label>
    <div class="copy"><input type="text" id="${id}" value="${value}" readonly>
    <button type="button" data-copy="${id}" aria-label="Copy ${label}">Copy</button></div>`;
}

/** A multi-line value (an env block, JSON) with a copy button. */
export function copyBlock(id: string, label: string, value: string): Html {
  return html`<div class="row"><h2 id="${id}-title">${label}</h2>
    <button type="button" data-copy="${id}" aria-label="Copy ${label}">Copy</button></div>
    <pre id="${id}" aria-labelledby="${id}-title" tabindex="0">${value}</pre>`;
}

/** A one-button form (delete, rotate, ...), with an optional confirmation question. */
export function actionForm(
  session: DashboardSession,
  action: string,
  label: string,
  options: { confirm?: string; danger?: boolean; hidden?: Record<string, string> } = {},
): Html {
  return html`<form method="post" action="${action}" ${options.confirm ? html`data-confirm="${options.confirm}"` : ''}>
    ${csrfField(session)}
    ${Object.entries(options.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
    <button type="submit" class="${options.danger ? 'danger' : ''}">${label}</button></form>`;
}

export interface Messages {
  notice?: string | undefined;
  error?: string | undefined;
}

/** The results of the last action: read out by screen readers (role=status / role=alert). */
export function messages(m: Messages): Html {
  return html`<div id="live" class="notice" role="status" aria-live="polite">${m.notice ?? ''}</div>
    ${m.error ? html`<div class="error" role="alert">${m.error}</div>` : ''}`;
}

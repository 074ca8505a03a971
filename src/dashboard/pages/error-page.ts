/** A page for refusals and missing things (403, 404, 401): a heading, one sentence, a way back. */
import type { DashboardSession } from '../sessions.js';
import { DASHBOARD } from '../paths.js';
import { page } from '../view/layout.js';
import { html, type Html } from '../view/html.js';

export function errorPage(title: string, message: string, session?: DashboardSession): Html {
  return page({
    title,
    ...(session ? { session } : {}),
    body: html`<h1>${title}</h1><p role="alert">${message}</p><p><a href="${DASHBOARD}">Back to the dashboard</a></p>`,
  });
}

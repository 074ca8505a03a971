/**
 * The development mailbox's Inbucket-compatible read API (email/dev-mailbox.ts), mounted only when the instance sets
 * AUTHSYNC_DEV_MAILBOX=true (otherwise these paths are 404 like any unknown path):
 *
 * - `GET /dev-mailbox/api/v1/mailbox/{name}`: the mailbox's mails, oldest first (`[]` when empty);
 * - `GET /dev-mailbox/api/v1/mailbox/{name}/{id}`: one mail with its header and both parts; 404 when unknown.
 *
 * `{name}` is a mailbox name or a whole address. Errors are plain text, as Inbucket's are.
 */
import type { Hono } from 'hono';
import type { AppContext } from '../context/app-context.js';
import { listMailbox, mailboxName, readMailboxMessage } from '../email/dev-mailbox.js';

export const DEV_MAILBOX_PREFIX = '/dev-mailbox/api/v1/mailbox';

const BAD_NAME = 'The mailbox name must be the local part of an address (or the address), without spaces.\n';

export function mountDevMailbox(app: Hono, ctx: AppContext): void {
  app.get(`${DEV_MAILBOX_PREFIX}/:name`, async (c) => {
    const name = c.req.param('name');
    if (mailboxName(name) === undefined) return c.text(BAD_NAME, 400);
    return c.json(await listMailbox(ctx, name));
  });
  app.get(`${DEV_MAILBOX_PREFIX}/:name/:id`, async (c) => {
    const name = c.req.param('name');
    if (mailboxName(name) === undefined) return c.text(BAD_NAME, 400);
    const message = await readMailboxMessage(ctx, name, c.req.param('id'));
    return message ? c.json(message) : c.text('Not found\n', 404);
  });
}

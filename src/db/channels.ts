/**
 * authsync's internal NOTIFY channels. PostgreSQL checks no privilege on NOTIFY and `pg_notify` is executable by
 * PUBLIC, so any end user running SQL in the database could send on a channel whose name it knows. The names are
 * therefore derived from the server secret: every authsync process sharing the database (servers, CLI commands) has
 * the secret and hears the others, while an end user, who sees only its own session's LISTENs, cannot name them.
 */
import { createHmac } from 'node:crypto';

/**
 * What a channel carries: project changes (payload: project ID), outbox rows (payload: project ID), mails queued
 * (payload: project ID).
 */
export type Channel = 'project_changes' | 'users_sync' | 'emails';

export type ChannelNames = Readonly<Record<Channel, string>>;

const CHANNELS: readonly Channel[] = ['project_changes', 'users_sync', 'emails'];

/** `authsync_<channel>_` + 16 hex characters (64 bits) of HMAC-SHA256(secret, 'notify channel v1:<channel>'). */
export function channelNames(serverSecret: string): ChannelNames {
  const names = {} as Record<Channel, string>;
  for (const channel of CHANNELS) {
    const tag = createHmac('sha256', serverSecret).update(`notify channel v1:${channel}`).digest('hex').slice(0, 16);
    names[channel] = `authsync_${channel}_${tag}`;
  }
  return Object.freeze(names);
}

/** The name of `channel`, or a clear error for a database opened without channel names (a target, a migration). */
export function channelName(names: ChannelNames | undefined, channel: Channel): string {
  if (!names) throw new Error(`This database handle was opened without channel names: it cannot use the ${channel} channel.`);
  return names[channel];
}

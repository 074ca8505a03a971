/**
 * node-postgres reads a protocol message whole before handing it on: one `SELECT repeat('x', 500000000)` row would be
 * buffered (and decoded) at its full size before a response budget could look at it. The guard reads the length of
 * every message off the socket as its first bytes arrive and gives up on the connection at once when one message
 * alone could not fit in what the request may still answer.
 */
import type pg from 'pg';

/**
 * Slack over the remaining budget before a message is refused: a data row's JSON is at least its text values, and
 * its wire framing (7 bytes, plus 4 per column, at most 1664 columns) is what the text values may fall short of it.
 */
const FRAMING_SLACK = 8 * 1024;

export class MessageGuard {
  private header = Buffer.alloc(5);
  private headerBytes = 0;
  private bodyLeft = 0;
  private limit: (() => number) | undefined;
  private onOversized: (() => void) | undefined;

  /** Attached to a connection once, while it is idle (between messages), and kept for the connection's life. */
  static of(client: pg.Client): MessageGuard {
    let guard = guards.get(client);
    if (!guard) {
      guard = new MessageGuard();
      const stream = (client as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream;
      const attached = guard;
      stream.prependListener('data', (chunk: Buffer) => attached.read(chunk));
      guards.set(client, guard);
    }
    return guard;
  }

  /** While a request runs: refuse any message longer than `remaining()` plus the framing slack. */
  watch(remaining: () => number, onOversized: () => void): void {
    this.limit = remaining;
    this.onOversized = onOversized;
  }

  unwatch(): void {
    this.limit = undefined;
    this.onOversized = undefined;
  }

  private read(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.bodyLeft > 0) {
        const skipped = Math.min(this.bodyLeft, chunk.length - offset);
        this.bodyLeft -= skipped;
        offset += skipped;
        continue;
      }
      const copied = chunk.copy(this.header, this.headerBytes, offset, Math.min(chunk.length, offset + 5 - this.headerBytes));
      this.headerBytes += copied;
      offset += copied;
      if (this.headerBytes < 5) return;
      this.headerBytes = 0;
      // The length counts itself (4 bytes) but not the type byte.
      this.bodyLeft = this.header.readUInt32BE(1) - 4;
      if (this.limit && this.bodyLeft > this.limit() + FRAMING_SLACK) {
        const onOversized = this.onOversized;
        this.unwatch();
        onOversized?.();
      }
    }
  }
}

const guards = new WeakMap<pg.Client, MessageGuard>();

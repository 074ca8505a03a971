/** Cancels the query running on a connection (PostgreSQL cancel request on a separate socket). */
import net from 'node:net';
import type pg from 'pg';

export async function cancelBackend(client: pg.Client): Promise<void> {
  const { processID, secretKey } = client as unknown as { processID?: number; secretKey?: number };
  const { host, port } = client as unknown as { host: string; port: number };
  if (processID === undefined || secretKey === undefined) return;
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, host, () => {
      const message = Buffer.alloc(16);
      message.writeInt32BE(16, 0);
      message.writeInt32BE(80877102, 4);
      message.writeInt32BE(processID, 8);
      message.writeInt32BE(secretKey, 12);
      socket.end(message);
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/**
 * Gives up on a connection at once: cancels what its backend runs and closes the socket without waiting for the
 * answers already on their way (node-postgres's end() would wait for a pipelined query to finish). The backend stops
 * at the cancel; the client's pending queries fail with "Connection terminated". Never pool the connection again.
 */
export function abortConnection(client: pg.Client): void {
  void cancelBackend(client);
  (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
}

/**
 * The /sql password path opens for a database only when a login with a wrong password was refused. A probe that gets
 * no answer at all (nothing listening, a timeout) is no refusal: the path stays closed, says why, and the next probe
 * tries again (a failure is not remembered for the minute an answer is).
 */
import net from 'node:net';
import { expect, it } from 'vitest';
import { PasswordPathGuard } from '../../src/sql/password-path.js';
import { freePort } from '../helpers/free-port.js';

it('keeps the password path closed when the probe gets no answer, and probes again next time', async () => {
  const port = await freePort();
  const guard = new PasswordPathGuard({ sqlPasswordAuth: 'auto' });
  const target = { dbKey: `127.0.0.1:${port}/app`, connect: { host: '127.0.0.1', port, database: 'app' }, ownerUser: 'app_owner' };

  const first = await guard.status(target);
  expect(first.serve).toBe(false);
  expect(first.reason).toMatch(/closed for 127\.0\.0\.1:\d+\/app for now: could not check that it refuses a wrong password/);

  // Something now answers on that port, and refuses every login the way PostgreSQL refuses a wrong password.
  const server = net.createServer((socket) => {
    socket.once('data', () => {
      const message = Buffer.from('SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed\0\0');
      const header = Buffer.alloc(5);
      header.write('E', 0);
      header.writeInt32BE(message.length + 4, 1);
      socket.end(Buffer.concat([header, message]));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    expect(await guard.status(target)).toEqual({ serve: true });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

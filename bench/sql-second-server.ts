/**
 * A second authsync server for `npm run bench:sql`, in its own process: the stateless scale-out, on the same
 * database and with the same server secret (AUTHSYNC_SECRET) and public URL (AUTHSYNC_BASE_URL, the issuer of the
 * tokens both accept) as the first, its own data directory. Answers its URL
 * once it listens; stops when the parent disconnects.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/index.js';
import { startServer } from '../src/server/server.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authsync-bench-second-'));
const server = await startServer(loadConfig({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' }, process.env), {
  createDefaultProject: false,
});
process.send!({ url: server.url });
process.on('disconnect', () => {
  void server.stop().finally(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});

/**
 * The client side of `npm run bench:sync`, run in a worker thread: sends the steady user writes to the API
 * and measures, per write, the time from the API's response to the row being visible in the target. The
 * target's trigger (installed by bench/sync-lag.ts) notifies every applied (user, version); NOTIFY is
 * delivered when the applying transaction commits, that is when the row becomes visible.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

export interface ClientInput {
  url: string;
  headers: Record<string, string>;
  targetUrl: string;
  rate: number;
  seconds: number;
}

export interface ClientOutput {
  /** Milliseconds, sorted. */
  lags: number[];
  errors: number;
  /** What the failed writes were: an HTTP status, or the client-side error's message. */
  errorKinds: Record<string, number>;
  /** Writes whose row never became visible within two minutes of the last response. */
  unseen: number;
  writeSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(input: ClientInput): Promise<ClientOutput> {
  const watch = new pg.Client({ connectionString: input.targetUrl });
  await watch.connect();
  const pending = new Map<string, { version: number; respondedAt: number }>();
  const seen = new Map<string, number>();
  const lags: number[] = [];
  let allSeen: (() => void) | undefined;
  watch.on('notification', (msg) => {
    const now = performance.now();
    const [id, version] = (msg.payload ?? '').split(':') as [string, string];
    seen.set(id, Math.max(seen.get(id) ?? 0, Number(version)));
    const wanted = pending.get(id);
    if (wanted && Number(version) >= wanted.version) {
      lags.push(Math.max(0, now - wanted.respondedAt));
      pending.delete(id);
      if (pending.size === 0) allSeen?.();
    }
  });
  await watch.query('LISTEN authsync_bench_applied');
  const expectRow = (id: string, version: number, respondedAt: number) => {
    // Applied before the client had read the response: no lag.
    if ((seen.get(id) ?? 0) >= version) lags.push(0);
    else pending.set(id, { version, respondedAt });
  };

  const created: string[] = [];
  const inflight: Array<Promise<void>> = [];
  const start = performance.now();
  let errors = 0;
  const errorKinds: Record<string, number> = {};
  const fail = (kind: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
  };
  for (let i = 0; i < input.rate * input.seconds; i++) {
    const due = start + (i * 1000) / input.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const update = i % 2 === 1 && created.length > 0;
    inflight.push(
      (async () => {
        const id = update ? created.shift()! : undefined;
        let response: Response;
        let body: { id: string };
        try {
          response = await fetch(`${input.url}${id ? `/${id}` : ''}`, {
            method: id ? 'PATCH' : 'POST',
            headers: input.headers,
            body: JSON.stringify({ display_name: `bench ${i}` }),
          });
          body = (await response.json()) as { id: string };
        } catch (error) {
          // A request that failed (e.g. a connect timeout on an overloaded machine) is counted, not measured.
          fail(String((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message));
          return;
        }
        const respondedAt = performance.now();
        if (!response.ok) {
          fail(`HTTP ${response.status}`);
          return;
        }
        expectRow(body.id, id ? 2 : 1, respondedAt);
        if (!id) created.push(body.id);
      })(),
    );
  }
  await Promise.all(inflight);
  const writeSeconds = (performance.now() - start) / 1000;
  if (pending.size > 0) await Promise.race([new Promise<void>((resolve) => (allSeen = resolve)), sleep(120_000)]);
  const unseen = pending.size;
  await watch.end();
  lags.sort((a, b) => a - b);
  return { lags, errors, errorKinds, unseen, writeSeconds };
}

if (parentPort) parentPort.postMessage(await run(workerData as ClientInput));

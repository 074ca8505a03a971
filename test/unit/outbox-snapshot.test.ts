/**
 * Outbox checkpoints are PostgreSQL snapshots (src/sync/outbox.ts): their text form, the snapshot that stands for an
 * old horizon checkpoint, and the clipping of a snapshot at the last transaction of a full page. A transaction is
 * visible in a snapshot when it is below xmax and not in xip; the clipped snapshot must see exactly the transactions
 * the original sees below the clip point, or a sync target would skip (or never finish) a transaction.
 */
import { describe, expect, it } from 'vitest';
import { clipSnapshot, formatSnapshot, horizonSnapshot, parseSnapshot, type Snapshot } from '../../src/sync/outbox.js';

const visible = (s: Snapshot, xid: number) => xid < s.xmax && !s.xip.includes(xid);

describe('snapshot text', () => {
  it('parses and formats pg_snapshot text, with and without running transactions', () => {
    expect(parseSnapshot('100:105:100,102')).toEqual({ xmin: 100, xmax: 105, xip: [100, 102] });
    expect(parseSnapshot('742:742:')).toEqual({ xmin: 742, xmax: 742, xip: [] });
    for (const text of ['100:105:100,102', '742:742:', '1:2:1']) expect(formatSnapshot(parseSnapshot(text))).toBe(text);
  });

  it('reads xid8 values beyond 32 bits', () => {
    expect(parseSnapshot('4294967300:4294967310:4294967305')).toEqual({ xmin: 4294967300, xmax: 4294967310, xip: [4294967305] });
  });

  it('a horizon checkpoint sees every transaction below the horizon and none from it on', () => {
    const s = horizonSnapshot(50);
    expect(visible(s, 49)).toBe(true);
    expect(visible(s, 50)).toBe(false);
    expect(formatSnapshot(s)).toBe('50:50:');
  });
});

describe('clipSnapshot', () => {
  const s: Snapshot = { xmin: 100, xmax: 110, xip: [100, 103, 107] };

  it('leaves a snapshot alone when the clip point is at or above its xmax', () => {
    expect(clipSnapshot(s, 110)).toEqual(s);
    expect(clipSnapshot(s, 500)).toEqual(s);
  });

  it('cuts xmax to the clip point and drops the running transactions from it on', () => {
    expect(clipSnapshot(s, 105)).toEqual({ xmin: 100, xmax: 105, xip: [100, 103] });
    expect(clipSnapshot(s, 103)).toEqual({ xmin: 100, xmax: 103, xip: [100] });
  });

  it('below xmin, sees nothing from the clip point on', () => {
    expect(clipSnapshot(s, 90)).toEqual({ xmin: 90, xmax: 90, xip: [] });
  });

  it('sees exactly what the snapshot sees below the clip point, for every snapshot and clip point of a range', () => {
    // Every snapshot with xmin..xmax in [10, 16) and any subset of the running transactions, clipped at 8..17.
    const wrong: string[] = [];
    let checked = 0;
    for (let xmin = 10; xmin < 16; xmin++) {
      for (let xmax = xmin; xmax < 16; xmax++) {
        const between = Array.from({ length: xmax - xmin }, (_, i) => xmin + i);
        for (let mask = 0; mask < 1 << between.length; mask++) {
          const snapshot: Snapshot = { xmin, xmax, xip: between.filter((_, i) => mask & (1 << i)) };
          for (let x = 8; x <= 17; x++) {
            const clipped = clipSnapshot(snapshot, x);
            const where = `${formatSnapshot(snapshot)} clipped at ${x} = ${formatSnapshot(clipped)}`;
            if (clipped.xmin > clipped.xmax || clipped.xip.some((xid) => xid < clipped.xmin || xid >= clipped.xmax)) wrong.push(where);
            for (let xid = 5; xid <= 20; xid++) {
              checked++;
              if (visible(clipped, xid) !== (visible(snapshot, xid) && xid < x)) wrong.push(`${where}: xid ${xid}`);
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000);
    expect(wrong).toEqual([]);
  });
});

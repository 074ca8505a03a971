/**
 * GET /users (spec §4.10): sign-up order with id tie-break, desc, limit + cursor paging (cursor inclusive,
 * next_cursor = first item of the next page), and `query`: case-insensitive substring of display name or
 * e-mail, or an exact id.
 */
import { beforeAll, expect, it } from 'vitest';
import { api, describeOnEachStore, serverHeaders } from '../helpers/server.js';
import { expectKnownError } from './support.js';

interface Listed {
  items: Array<{ id: string; display_name: string | null; primary_email: string | null; signed_up_at_millis: number }>;
  is_paginated: boolean;
  pagination: { next_cursor: string | null };
}

describeOnEachStore('GET /users on %s', (t) => {
  const ids: string[] = [];
  beforeAll(async () => {
    const people = [
      ['Alice Archer', 'alice@example.com'],
      ['Bob Baker', 'bob@Example.org'],
      ['Carol Carter', 'carol.c@example.com'],
      ['Dave Dalice', 'dave@example.net'],
      [null, 'eve@malice.io'],
      ['100% real_name', 'frank@example.com'],
    ] as const;
    for (const [name, email] of people) {
      const res = await api(t, 'POST', '/users', { headers: serverHeaders(t), body: { display_name: name, primary_email: email } });
      expect(res.status, res.text).toBe(201);
      ids.push(res.json.id as string);
    }
  });

  const list = async (query = '') => {
    const res = await api(t, 'GET', `/users${query}`, { headers: serverHeaders(t) });
    expect(res.status, res.text).toBe(200);
    return res.json as unknown as Listed;
  };

  it('lists in sign-up order, ascending by default, descending with desc=true', async () => {
    const all = await list();
    expect(all.items.map((u) => u.id)).toEqual(ids);
    expect(all.is_paginated).toBe(true);
    expect(all.pagination.next_cursor).toBeNull();
    const times = all.items.map((u) => u.signed_up_at_millis);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect((await list('?desc=true')).items.map((u) => u.id)).toEqual([...ids].reverse());
    expect((await list('?order_by=signed_up_at&desc=false')).items.map((u) => u.id)).toEqual(ids);
  });

  it('pages with limit and an inclusive cursor, both directions', async () => {
    for (const desc of [false, true]) {
      const expected = desc ? [...ids].reverse() : ids;
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Listed = await list(`?limit=4&desc=${desc}${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((u) => u.id));
        cursor = page.pagination.next_cursor;
        if (cursor) expect(expected.indexOf(cursor)).toBe(seen.length);
        pages++;
      } while (cursor && pages < 10);
      expect(seen).toEqual(expected);
      expect(pages).toBe(2);
    }
    // The cursor is inclusive: starting at the third user gives it first.
    expect((await list(`?cursor=${ids[2]}&limit=2`)).items.map((u) => u.id)).toEqual([ids[2], ids[3]]);
    // An exact page leaves no next cursor.
    expect((await list(`?cursor=${ids[4]}&limit=2`)).pagination.next_cursor).toBeNull();
  });

  it('query matches name or e-mail case-insensitively, or an exact id', async () => {
    const found = async (q: string) => (await list(`?query=${encodeURIComponent(q)}`)).items.map((u) => u.id);
    expect(await found('alice')).toEqual([ids[0], ids[3], ids[4]]); // name, name ("Dalice"), e-mail ("malice")
    expect(await found('ALICE')).toEqual([ids[0], ids[3], ids[4]]);
    expect(await found('EXAMPLE.ORG')).toEqual([ids[1]]);
    expect(await found('carol.c@')).toEqual([ids[2]]);
    expect(await found('nobody-here')).toEqual([]);
    // LIKE wildcards are literal.
    expect(await found('100%')).toEqual([ids[5]]);
    expect(await found('%')).toEqual([ids[5]]);
    expect(await found('_')).toEqual([ids[5]]);
    // Exact id, also with stray characters around it; a partial id matches nothing.
    expect(await found(ids[2]!)).toEqual([ids[2]]);
    expect(await found(ids[2]!.toUpperCase())).toEqual([ids[2]]);
    expect(await found(` "${ids[2]}" `)).toEqual([ids[2]]);
    expect(await found(ids[2]!.slice(0, 8))).toEqual([]);
    // Combined with limit and desc.
    expect((await list('?query=alice&limit=1&desc=true&order_by=signed_up_at')).items.map((u) => u.id)).toEqual([ids[4]]);
  });

  it('team_id filters to nobody (no teams yet); client access is refused', async () => {
    expect((await list('?team_id=3b241101-e2bb-4255-8caf-4136c566a962')).items).toEqual([]);
    const res = await api(t, 'GET', '/users');
    expectKnownError(res, 'INSUFFICIENT_ACCESS_TYPE', 401);
  });
});

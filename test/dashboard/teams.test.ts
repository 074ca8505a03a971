/**
 * The Teams page in a real browser: teams made through the API are listed with their member counts, the search finds
 * one by name and by ID, a team's page shows its members with their permissions and its pending invitations, and the
 * Add member / Remove forms change the membership as the API sees it. A session of another project gets 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject } from '../../src/projects/projects.js';
import { signUp, uniqueEmail, type SignedUp } from '../api/support.js';
import { waitForMail } from '../helpers/mail.js';
import { api, serverHeaders, type TestServer } from '../helpers/server.js';
import { permissionsOf, serverTeam } from '../teams/support.js';
import { launchBrowser, screenshot, signIn, startDashboardServer, type Browser } from './support.js';

const CALLBACK = 'http://localhost:3000/handler/team-invitation';

async function memberIds(t: TestServer, teamId: string): Promise<string[]> {
  const res = await api(t, 'GET', `/team-member-profiles?team_id=${teamId}`, { headers: serverHeaders(t) });
  expect(res.status, res.text).toBe(200);
  return (res.json.items as Array<{ user_id: string }>).map((p) => p.user_id).sort();
}

describe('dashboard Teams page', () => {
  let t: TestServer;
  let browser: Browser;
  let admin: SignedUp;
  let newcomer: SignedUp;
  let team: string;
  let other: string;
  const invitee = uniqueEmail('team-invitee');

  beforeAll(async () => {
    t = await startDashboardServer();
    admin = await signUp(t, uniqueEmail('team-admin'));
    newcomer = await signUp(t, uniqueEmail('team-newcomer'));
    team = (await serverTeam(t, 'Acme <b>Rockets</b>', admin.userId)).id as string;
    other = (await serverTeam(t, 'Zeta Labs')).id as string;
    const sent = await api(t, 'POST', '/team-invitations/send-code', {
      headers: serverHeaders(t),
      body: { team_id: team, email: invitee, callback_url: CALLBACK },
    });
    expect(sent.status, sent.text).toBe(200);
    await waitForMail(t, invitee);
    browser = await launchBrowser();
    await signIn(browser.page, t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const teamsUrl = () => `${t.url}/dashboard/projects/${t.projectId}/teams`;

  it('lists the teams with member counts; the search finds one by name and by ID', async () => {
    const { page } = browser;
    await page.goto(`${t.url}/dashboard/projects/${t.projectId}/configuration`);
    await page
      .getByRole('navigation', { name: /^Project / })
      .getByRole('link', { name: 'Teams' })
      .click();
    await page.waitForURL(teamsUrl());
    const row = page.locator(`tr[data-team-id="${team}"]`);
    // The name is shown as text, not markup.
    await expect(row.locator('td[data-label="Name"]').textContent()).resolves.toBe('Acme <b>Rockets</b>');
    await expect(row.locator('td[data-label="Name"] b').count()).resolves.toBe(0);
    await expect(row.locator('td[data-label="Members"]').textContent()).resolves.toBe('1');
    await expect(page.locator(`tr[data-team-id="${other}"] td[data-label="Members"]`).textContent()).resolves.toBe('0');
    await screenshot(page, 'teams-list');

    await page.getByLabel('Name or ID').fill('rockets');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(`${teamsUrl()}?q=rockets`);
    await expect(page.locator('tr[data-team-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-team-id')))).resolves.toEqual([
      team,
    ]);

    await page.goto(`${teamsUrl()}?q=${other}`);
    await expect(page.locator('tr[data-team-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-team-id')))).resolves.toEqual([
      other,
    ]);
    await page.goto(`${teamsUrl()}?q=nothing-like-this`);
    await expect(page.locator('main').textContent()).resolves.toContain('No team matches.');
  });

  it('shows a team’s members with their permissions and its pending invitations', async () => {
    const { page } = browser;
    await page.goto(`${teamsUrl()}?q=acme`);
    await page.getByRole('link', { name: 'Acme <b>Rockets</b>' }).click();
    await page.waitForURL(`${teamsUrl()}/${team}`);
    const row = page.locator(`tr[data-user-id="${admin.userId}"]`);
    await expect(row.locator('td[data-label="E-mail"]').textContent()).resolves.toBe(admin.email);
    await expect(row.locator('[data-permissions]').textContent()).resolves.toBe('team_admin');
    await expect(row.getByRole('link', { name: admin.userId }).getAttribute('href')).resolves.toBe(
      `/dashboard/projects/${t.projectId}/users/${admin.userId}`,
    );
    await expect(page.locator('tr[data-invitation-id] td[data-label="Recipient"]').allTextContents()).resolves.toEqual([invitee]);
    await screenshot(page, 'teams-team');
  });

  it('adds a member (team_member) and removes one, as the API sees it; a bad user ID is a message', async () => {
    const { page } = browser;
    await page.goto(`${teamsUrl()}/${team}`);
    await page.getByLabel('User ID').fill('not-a-user');
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect(page.locator('[role="alert"]').textContent()).resolves.toContain('User ID');

    await page.getByLabel('User ID').fill(newcomer.userId);
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.waitForURL(`${teamsUrl()}/${team}?done=added`);
    await expect(page.locator('#live').textContent()).resolves.toContain('Added the member');
    await expect(page.locator(`tr[data-user-id="${newcomer.userId}"] [data-permissions]`).textContent()).resolves.toBe('team_member');
    expect(await memberIds(t, team)).toEqual([admin.userId, newcomer.userId].sort());
    expect(await permissionsOf(t, team, newcomer.userId, false)).toEqual(['team_member']);

    // Adding the same user again is a message, not a second membership.
    await page.getByLabel('User ID').fill(newcomer.userId);
    await page.getByRole('button', { name: 'Add member' }).click();
    await expect(page.locator('[role="alert"]').count()).resolves.toBe(1);
    expect(await memberIds(t, team)).toEqual([admin.userId, newcomer.userId].sort());

    await page.goto(`${teamsUrl()}/${team}`);
    await page.locator(`tr[data-user-id="${newcomer.userId}"]`).getByRole('button', { name: 'Remove' }).click();
    await page.waitForURL(`${teamsUrl()}/${team}?done=removed`);
    await expect(page.locator(`tr[data-user-id="${newcomer.userId}"]`).count()).resolves.toBe(0);
    expect(await memberIds(t, team)).toEqual([admin.userId]);
  });

  it('shows another project’s admin session neither the team nor the list (404)', async () => {
    const created = await createProject(t.server.ctx.db, t.server.ctx.box, { displayName: 'Other project' });
    const outsider = await launchBrowser();
    try {
      await signIn(outsider.page, t, created.keys.superSecretAdminKey);
      for (const path of ['/teams', `/teams/${team}`]) {
        const response = await outsider.page.goto(`${t.url}/dashboard/projects/${t.projectId}${path}`);
        expect(response?.status(), path).toBe(404);
      }
      const ownUrl = await outsider.page.goto(`${t.url}/dashboard/projects/${created.project.id}/teams/${team}`);
      expect(ownUrl?.status()).toBe(404);
      expect(await outsider.page.content()).not.toContain('Acme');
    } finally {
      await outsider.close();
    }
  });
});

/** A dashboard session over plain HTTP (no browser): sign in with the admin secret, then read pages and post forms. */
export const DASHBOARD_SECRET = 'security-tests-admin-secret-0123456789';

export interface DashboardSession {
  url: string;
  cookie: string;
  csrf: string;
  get(path: string): Promise<string>;
  /** Posts a form (the CSRF field added); answers the status. */
  post(path: string, fields: Record<string, string>): Promise<number>;
}

export async function dashboardSession(url: string, projectId: string): Promise<DashboardSession> {
  const origin = new URL(url).origin;
  const response = await fetch(`${url}/dashboard/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ secret: DASHBOARD_SECRET }).toString(),
  });
  if (response.status !== 303) throw new Error(`dashboard sign-in answered ${response.status}`);
  const cookie = `authsync_dashboard=${/authsync_dashboard=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!}`;
  const get = async (path: string) => (await fetch(`${url}/dashboard${path}`, { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await get(`/projects/${projectId}/configuration`))![1]!;
  return {
    url,
    cookie,
    csrf,
    get,
    async post(path, fields) {
      const res = await fetch(`${url}/dashboard${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
        body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      });
      return res.status;
    },
  };
}

/** Where the dashboard lives in the URL space. */
export const DASHBOARD = '/dashboard';
export const ASSET_PREFIX = `${DASHBOARD}/assets`;

export function projectPath(projectId: string, rest = ''): string {
  return `${DASHBOARD}/projects/${projectId}${rest}`;
}

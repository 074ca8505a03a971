/** The Hono environment of the dashboard's routes: what the guards put on the request context. */
import type { Project } from '../projects/projects.js';
import type { DashboardSession } from './sessions.js';

export interface DashboardEnv {
  Variables: {
    session: DashboardSession;
    /** Set on /dashboard/projects/:projectId/* once access to the project is checked. */
    project: Project;
  };
}

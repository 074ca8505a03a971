/** The message a bench server child sends its driver over IPC once it answers requests. */
export interface ChildReady {
  type: 'ready';
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** authsync only: the default project and its client key. */
  projectId?: string;
  publishableClientKey?: string;
  jwksUrl?: string;
}

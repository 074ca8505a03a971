/**
 * `authsync import file`: users from elsewhere (Supabase, Better Auth, an app's own table), one JSON object per line,
 * written under their own IDs through the import writer (write-user.ts), so users_sync follows as for any change.
 * The shape of a line is documented in docs/migration.md ("Import from a file"); it is the server user object's
 * field names plus `password_hash` (bcrypt, as `POST /users` takes it) and `signed_up_at`. Unknown fields are refused,
 * so that a misspelt column (`email` for `primary_email`) is reported instead of silently dropped.
 */
import { z } from 'zod';
import type { AppContext } from '../context/app-context.js';
import { writeUser } from './write-user.js';

export const fileUserSchema = z
  .object({
    id: z.string(),
    primary_email: z.string().nullable().optional(),
    primary_email_verified: z.boolean().optional(),
    primary_email_auth_enabled: z.boolean().optional(),
    display_name: z.string().nullable().optional(),
    profile_image_url: z.string().nullable().optional(),
    /** bcrypt ($2a$, $2b$, $2y$); null or absent: no password. */
    password_hash: z.string().nullable().optional(),
    client_metadata: z.unknown().optional(),
    client_read_only_metadata: z.unknown().optional(),
    server_metadata: z.unknown().optional(),
    /** ISO 8601 with a time zone, or milliseconds since 1970. @default the time of the import */
    signed_up_at: z.union([z.string(), z.number().finite()]).nullable().optional(),
    is_anonymous: z.boolean().optional(),
    oauth_providers: z.array(z.unknown()).optional(),
  })
  .strict();

export interface FileImportSummary {
  imported: number;
  updated: number;
  unchanged: number;
  /** Lines not written, with their line number (1-based), the user ID when it could be read, and why. */
  skipped: { line: number; id: string | null; reason: string }[];
  dryRun: boolean;
}

const ZONED = /(Z|[+-]\d{2}(:?\d{2})?)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function signedUpMillis(value: string | number): number | string {
  if (typeof value === 'number') return value;
  const millis = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || !ZONED.test(value) || Number.isNaN(millis))
    return `signed_up_at ${JSON.stringify(value)} is not an ISO 8601 time with a time zone`;
  return millis;
}

/** One line turned into the writer's input, or the reason it cannot be. */
function parseLine(text: string): { id: string | null; source?: Record<string, unknown>; passwordHash?: string; error?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { id: null, error: 'not JSON' };
  }
  const parsed = fileUserSchema.safeParse(value);
  const id = typeof (value as { id?: unknown } | null)?.id === 'string' ? (value as { id: string }).id : null;
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.') || 'line';
    return { id, error: `${where}: ${issue.message}` };
  }
  const { password_hash: passwordHash, signed_up_at: signedUpAt, ...user } = parsed.data;
  const source: Record<string, unknown> = { ...user, has_password: Boolean(passwordHash) };
  if (signedUpAt !== undefined && signedUpAt !== null) {
    const millis = signedUpMillis(signedUpAt);
    if (typeof millis === 'string') return { id, error: millis };
    source.signed_up_at_millis = millis;
  }
  return { id, source, ...(passwordHash ? { passwordHash } : {}) };
}

/**
 * Imports the lines of a JSONL file (blank lines ignored). A user who already has a password here keeps it: the
 * file's bcrypt hash would replace the argon2id hash a sign-in made of the same password, and end the user's sessions.
 */
export async function importUsersFile(
  ctx: AppContext,
  projectId: string,
  lines: AsyncIterable<string> | Iterable<string>,
  options: { dryRun?: boolean; onProgress?: (summary: FileImportSummary) => void } = {},
): Promise<FileImportSummary> {
  const summary: FileImportSummary = { imported: 0, updated: 0, unchanged: 0, skipped: [], dryRun: options.dryRun ?? false };
  let number = 0;
  for await (const text of lines) {
    number++;
    if (!text.trim()) continue;
    const line = parseLine(text);
    if (!line.source) {
      summary.skipped.push({ line: number, id: line.id, reason: line.error! });
      continue;
    }
    let passwordHash = line.passwordHash;
    if (passwordHash !== undefined && UUID.test(line.id ?? '')) {
      const current = await ctx.users.get(projectId, line.id!.toLowerCase());
      if (current?.password_hash) passwordHash = undefined;
    }
    const outcome = await writeUser(ctx, projectId, line.source, { ...(passwordHash ? { passwordHash } : {}), dryRun: summary.dryRun });
    if (typeof outcome === 'object') summary.skipped.push({ line: number, id: line.id, reason: outcome.skipped });
    else summary[outcome]++;
    if (number % 100 === 0) options.onProgress?.(summary);
  }
  options.onProgress?.(summary);
  return summary;
}

/** Field schemas shared by several endpoints; the user's writable fields are declared in users/user-fields.ts. */
import { z } from 'zod';

export const uuidField = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');

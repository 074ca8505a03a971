/**
 * The writable fields of a team, declared once for POST and PATCH /teams. With client access only the display name,
 * an image as a data URL and client_metadata; the server also writes the read-only and server metadata and an http(s)
 * image URL. Images given as data URLs are stored (`withStoredImage`).
 */
import { z } from 'zod';
import { errors } from '../errors/known-errors.js';
import { storedImageUrl, type ImageFolder, type ImageTarget } from '../storage/image-store.js';
import { clientImageUrlField, displayNameField, imageUrlField, metadataField } from '../users/user-fields.js';

// Any string, "" too, as on Stack.
const teamNameField = z.string().trim().max(256);
const imageUrl = imageUrlField;
const dataUrlImage = clientImageUrlField;

export const clientTeamUpdateSchema = z.strictObject({
  display_name: teamNameField.optional(),
  profile_image_url: dataUrlImage.optional(),
  client_metadata: metadataField.optional(),
});

export const serverTeamUpdateSchema = z.object({
  display_name: teamNameField.optional(),
  profile_image_url: imageUrl.optional(),
  client_metadata: metadataField.optional(),
  client_read_only_metadata: metadataField.optional(),
  server_metadata: metadataField.optional(),
});

/** `creator_user_id`: `me` or a user's ID; with client access it must be the signed-in user. */
const creatorField = z.string().max(64).optional();

export const clientTeamCreateSchema = clientTeamUpdateSchema.extend({ display_name: teamNameField, creator_user_id: creatorField });
export const serverTeamCreateSchema = serverTeamUpdateSchema.extend({ display_name: teamNameField, creator_user_id: creatorField });

export type TeamFields = z.infer<typeof serverTeamUpdateSchema>;

/** PATCH /team-member-profiles/…: the member's own name and image in this team (null: the user's are shown). */
export const clientMemberProfileUpdateSchema = z.strictObject({
  display_name: displayNameField.optional(),
  profile_image_url: dataUrlImage.optional(),
});
export const serverMemberProfileUpdateSchema = z.object({
  display_name: displayNameField.optional(),
  profile_image_url: imageUrl.optional(),
});
export type MemberProfileFields = z.infer<typeof serverMemberProfileUpdateSchema>;

/**
 * The fields with their image as it is kept (Stack's upload step, `storedImageUrl`): a data URL stored under `folder`
 * and replaced by its URL. Call it after every other check, so that a refused write stores no image.
 */
export async function withStoredImage<T extends { profile_image_url?: string | null | undefined }>(
  fields: T,
  images: ImageTarget,
  folder: Extract<ImageFolder, 'team-profile-images' | 'team-member-profile-images'>,
): Promise<T> {
  if (fields.profile_image_url === undefined) return fields;
  return { ...fields, profile_image_url: await storedImageUrl(images, folder, fields.profile_image_url) };
}

/**
 * SCHEMA_ERROR when a metadata object's JSON text is over `maxBytes` (the user's cap, AUTHSYNC_MAX_METADATA_BYTES: a
 * selected team's metadata is copied into its users' objects and users_sync).
 */
export function checkTeamMetadata(fields: TeamFields, maxBytes: number): void {
  for (const field of ['client_metadata', 'client_read_only_metadata', 'server_metadata'] as const) {
    const value = fields[field];
    if (value === undefined || value === null) continue;
    const bytes = Buffer.byteLength(JSON.stringify(value));
    if (bytes > maxBytes) {
      throw errors.schemaError(
        `Request validation failed:\n  - ${field}: must be at most ${maxBytes} bytes as JSON text (this one has ${bytes})`,
      );
    }
  }
}

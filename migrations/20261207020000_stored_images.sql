-- Images uploaded as base64 data URLs (users', teams' and member profiles' images, project logos), kept in the
-- database and served at GET /storage/<folder>/<id>.<extension> (src/storage). The user, team or member object keeps
-- the image's URL, as it would any other URL.
--
-- An image is stored before the object that names it is written, so it starts without an owner; the triggers below
-- give it its owner in the transaction that writes the URL, and delete the owner's previous image there too. Deleting
-- the project, the user or the team deletes its images (the references); an image whose write failed stays ownerless
-- and is deleted a day later (src/storage/image-store.ts). A project logo has no owner but its project: it is named
-- by authsync.project_logos (next migration), whose trigger deletes a replaced one.
CREATE TABLE authsync.stored_images (
  id           uuid PRIMARY KEY,
  project_id   uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  folder       text NOT NULL CHECK (folder IN ('user-profile-images', 'team-profile-images', 'team-member-profile-images', 'project-logos')),
  extension    text NOT NULL CHECK (extension ~ '^[a-z]+$'),
  content_type text NOT NULL,
  bytes        bytea NOT NULL,
  user_id      uuid REFERENCES authsync.users (id) ON DELETE CASCADE,
  team_id      uuid REFERENCES authsync.teams (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX stored_images_user_idx ON authsync.stored_images (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX stored_images_team_idx ON authsync.stored_images (team_id) WHERE team_id IS NOT NULL;
-- The sweep of images whose write failed (project logos are checked against the logos that name them instead).
CREATE INDEX stored_images_ownerless_idx ON authsync.stored_images (created_at)
  WHERE user_id IS NULL AND team_id IS NULL AND folder <> 'project-logos';

-- The stored image a URL names: the folder's `<uuid>.<extension>` at its end, whatever base URL it was served from
-- (the base is configuration, and may change).
CREATE FUNCTION authsync.stored_image_id(url text, folder text) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
  SELECT substring(url FROM '/' || folder || '/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[a-z]+$')::uuid
$$;

-- An owner's image URL changed to `url`: its other images of the folder go, and the image the URL names becomes its own
-- if it has no owner yet (an image another object owns is only referred to, never taken over).
CREATE FUNCTION authsync.follow_image_url(p_project uuid, p_folder text, p_user uuid, p_team uuid, url text) RETURNS void
LANGUAGE sql AS $$
  DELETE FROM authsync.stored_images
   WHERE folder = p_folder AND user_id IS NOT DISTINCT FROM p_user AND team_id IS NOT DISTINCT FROM p_team
     AND id IS DISTINCT FROM authsync.stored_image_id(url, p_folder);
  UPDATE authsync.stored_images SET user_id = p_user, team_id = p_team
   WHERE id = authsync.stored_image_id(url, p_folder) AND project_id = p_project AND folder = p_folder
     AND user_id IS NULL AND team_id IS NULL;
$$;

CREATE FUNCTION authsync.user_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.profile_image_url IS DISTINCT FROM OLD.profile_image_url THEN
    PERFORM authsync.follow_image_url(NEW.project_id, 'user-profile-images', NEW.id, NULL, NEW.profile_image_url);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER users_image_changed AFTER INSERT OR UPDATE OF profile_image_url ON authsync.users
  FOR EACH ROW EXECUTE FUNCTION authsync.user_image_changed();

CREATE FUNCTION authsync.team_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.profile_image_url IS DISTINCT FROM OLD.profile_image_url THEN
    PERFORM authsync.follow_image_url(NEW.project_id, 'team-profile-images', NULL, NEW.id, NEW.profile_image_url);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER teams_image_changed AFTER INSERT OR UPDATE OF profile_image_url ON authsync.teams
  FOR EACH ROW EXECUTE FUNCTION authsync.team_image_changed();

-- A member profile's image belongs to the membership: to its user and team both, and it goes when the member leaves.
CREATE FUNCTION authsync.member_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM authsync.stored_images
     WHERE folder = 'team-member-profile-images' AND user_id = OLD.user_id AND team_id = OLD.team_id;
  ELSIF TG_OP = 'INSERT' OR NEW.profile_image_url IS DISTINCT FROM OLD.profile_image_url THEN
    PERFORM authsync.follow_image_url(NEW.project_id, 'team-member-profile-images', NEW.user_id, NEW.team_id, NEW.profile_image_url);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER team_members_image_changed AFTER INSERT OR DELETE OR UPDATE OF profile_image_url ON authsync.team_members
  FOR EACH ROW EXECUTE FUNCTION authsync.member_image_changed();

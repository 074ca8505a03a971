-- The stored images' triggers (20261207020000_stored_images.sql) by index: a user's or a team's previous images are
-- found through stored_images_user_idx / stored_images_team_idx (an IS NOT DISTINCT FROM on both owners, as before,
-- read the whole table at every write), and a new user or team without an image does no work at all.
CREATE OR REPLACE FUNCTION authsync.follow_image_url(p_project uuid, p_folder text, p_user uuid, p_team uuid, url text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  kept uuid := authsync.stored_image_id(url, p_folder);
BEGIN
  IF p_user IS NOT NULL THEN
    DELETE FROM authsync.stored_images
     WHERE user_id = p_user AND folder = p_folder AND team_id IS NOT DISTINCT FROM p_team AND id IS DISTINCT FROM kept;
  ELSE
    DELETE FROM authsync.stored_images
     WHERE team_id = p_team AND folder = p_folder AND user_id IS NULL AND id IS DISTINCT FROM kept;
  END IF;
  IF kept IS NOT NULL THEN
    UPDATE authsync.stored_images SET user_id = p_user, team_id = p_team
     WHERE id = kept AND project_id = p_project AND folder = p_folder AND user_id IS NULL AND team_id IS NULL;
  END IF;
END;
$$;

CREATE OR REPLACE FUNCTION authsync.user_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.profile_image_url IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.profile_image_url IS DISTINCT FROM OLD.profile_image_url THEN
    PERFORM authsync.follow_image_url(NEW.project_id, 'user-profile-images', NEW.id, NULL, NEW.profile_image_url);
  END IF;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION authsync.team_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.profile_image_url IS NULL THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.profile_image_url IS DISTINCT FROM OLD.profile_image_url THEN
    PERFORM authsync.follow_image_url(NEW.project_id, 'team-profile-images', NULL, NEW.id, NEW.profile_image_url);
  END IF;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION authsync.member_image_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM authsync.stored_images
     WHERE user_id = OLD.user_id AND team_id = OLD.team_id AND folder = 'team-member-profile-images';
  ELSIF TG_OP = 'INSERT' AND NEW.profile_image_url IS NULL THEN
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' OR NEW.profile_image_url IS DISTINCT FROM OLD.profile_image_url THEN
    PERFORM authsync.follow_image_url(NEW.project_id, 'team-member-profile-images', NEW.user_id, NEW.team_id, NEW.profile_image_url);
  END IF;
  RETURN NULL;
END;
$$;

-- The sweep of images whose write failed also looks at project logos (spared while a logo names them): one index for
-- every image without a user or team owner.
DROP INDEX authsync.stored_images_ownerless_idx;
CREATE INDEX stored_images_ownerless_idx ON authsync.stored_images (created_at) WHERE user_id IS NULL AND team_id IS NULL;

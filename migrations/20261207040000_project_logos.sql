-- A project's four logos (Stack's logo_url, logo_full_url, logo_dark_mode_url, logo_full_dark_mode_url), as the admin
-- API writes them: a URL each, either an http(s) URL as given or the URL of an image uploaded as a data URL and kept in
-- authsync.stored_images (folder project-logos, src/storage/project-logos.ts). Deleting the project deletes them.
CREATE TABLE authsync.project_logos (
  project_id uuid NOT NULL REFERENCES authsync.projects (id) ON DELETE CASCADE,
  field      text NOT NULL CHECK (field IN ('logo_url', 'logo_full_url', 'logo_dark_mode_url', 'logo_full_dark_mode_url')),
  url        text NOT NULL,
  PRIMARY KEY (project_id, field)
);

-- A logo replaced or removed: the stored image its old URL named goes, unless another logo of the project names it.
CREATE FUNCTION authsync.project_logo_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.url IS NOT DISTINCT FROM OLD.url THEN
    RETURN NULL;
  END IF;
  DELETE FROM authsync.stored_images s
   WHERE s.id = authsync.stored_image_id(OLD.url, 'project-logos') AND s.project_id = OLD.project_id
     AND s.folder = 'project-logos'
     AND NOT EXISTS (SELECT 1 FROM authsync.project_logos l
                      WHERE l.project_id = OLD.project_id AND authsync.stored_image_id(l.url, 'project-logos') = s.id);
  RETURN NULL;
END;
$$;
CREATE TRIGGER project_logos_changed AFTER UPDATE OR DELETE ON authsync.project_logos
  FOR EACH ROW EXECUTE FUNCTION authsync.project_logo_changed();

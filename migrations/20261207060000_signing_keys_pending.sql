-- Each (project, audience) publishes its next signing key before it signs (`pending`), as Stack publishes two keys per
-- kind of user: a verifier that cached the JWKS already holds the key that signs after `authsync keys rotate`, which
-- makes the pending key the signing one and a new key pending. Existing projects get their pending keys at their
-- next rotation.
ALTER TABLE authsync.signing_keys ADD COLUMN pending boolean NOT NULL DEFAULT false;

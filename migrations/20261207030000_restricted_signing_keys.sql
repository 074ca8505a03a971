-- Restricted users (anonymous ones aside: an unverified primary e-mail where the project requires verification, or
-- restricted by an administrator) get tokens of their own audience, `<project>:restricted`, signed with a key of
-- their own that the default JWKS does not publish (as Stack does). Projects made before this get that key when the
-- first restricted user's token is signed (projects/signing-keys.ts, ensureSigningKey).
ALTER TABLE authsync.signing_keys DROP CONSTRAINT signing_keys_audience_check;
ALTER TABLE authsync.signing_keys ADD CONSTRAINT signing_keys_audience_check CHECK (audience IN ('default', 'restricted', 'anonymous'));

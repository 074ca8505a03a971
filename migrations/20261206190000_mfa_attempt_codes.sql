-- The attempt code of a sign-in that waits for its second factor (POST /auth/mfa/sign-in): a verification code of
-- its own type, so that no other flow accepts it. Valid 5 minutes; it carries no e-mail and no callback URL.
ALTER TABLE authsync.verification_codes DROP CONSTRAINT verification_codes_type_check;
ALTER TABLE authsync.verification_codes ADD CONSTRAINT verification_codes_type_check
  CHECK (type IN ('CONTACT_CHANNEL_VERIFICATION', 'PASSWORD_RESET', 'ONE_TIME_PASSWORD', 'TEAM_INVITATION', 'MFA_ATTEMPT'));

-- VerifyUserAttribute: the code UpdateUserAttributes (or GetUserAttributeVerificationCode) sends
-- to a changed e-mail address or phone number.
ALTER TABLE users DROP CONSTRAINT users_code_purpose_check;
ALTER TABLE users ADD CONSTRAINT users_code_purpose_check
    CHECK (code_purpose IN ('SIGN_UP', 'PASSWORD_RESET', 'ATTRIBUTE_VERIFICATION'));

ALTER TABLE sent_messages DROP CONSTRAINT sent_messages_kind_check;
ALTER TABLE sent_messages ADD CONSTRAINT sent_messages_kind_check
    CHECK (kind IN ('INVITATION', 'CONFIRMATION_CODE', 'PASSWORD_RESET_CODE', 'ATTRIBUTE_VERIFICATION_CODE'));

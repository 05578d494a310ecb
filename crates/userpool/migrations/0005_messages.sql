-- Messages Cognito would have sent (AdminCreateUser's invitation with the temporary password),
-- recorded instead: authport delivers no e-mail or SMS, and tests read them here.
CREATE TABLE sent_messages (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pool_id     text        NOT NULL REFERENCES user_pools (id) ON UPDATE CASCADE ON DELETE CASCADE,
    username    text        NOT NULL,
    kind        text        NOT NULL CHECK (kind IN ('INVITATION')),
    medium      text        NOT NULL CHECK (medium IN ('EMAIL', 'SMS')),
    destination text        NOT NULL,
    body        text        NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX sent_messages_pool_id_idx ON sent_messages (pool_id, id);

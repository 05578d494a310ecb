-- What testers read at GET /_authport/messages: the code (or temporary password) of a message on
-- its own, beside the text it came in. Messages recorded before this have it only in their body.
ALTER TABLE sent_messages ADD COLUMN code text NOT NULL DEFAULT '';

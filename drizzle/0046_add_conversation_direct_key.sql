-- One 1:1 conversation per pair of users, enforced by the database: message.start inserts with
-- ON CONFLICT (direct_key) DO NOTHING and then reads the row, so two people starting a
-- conversation with each other at the same moment land in the same one (a check-then-insert lets
-- both insert). The key is "minId:maxId" and is set only for 1:1 conversations; groups keep NULL
-- (NULLs never conflict). The CHECK ties the key to the (sorted) participant array.
-- Existing rows: participant arrays are sorted and de-duplicated, and the oldest 1:1 conversation
-- of each pair is keyed (any younger duplicates stay unkeyed, as they were).
ALTER TABLE conversations ADD COLUMN direct_key VARCHAR(41);
UPDATE conversations
SET participant_ids = ARRAY(SELECT DISTINCT p FROM unnest(participant_ids) AS p ORDER BY p)
WHERE participant_ids <> ARRAY(SELECT DISTINCT p FROM unnest(participant_ids) AS p ORDER BY p)
  AND (SELECT count(DISTINCT p) FROM unnest(participant_ids) AS p) >= 2;
UPDATE conversations c
SET direct_key = c.participant_ids[1]::text || ':' || c.participant_ids[2]::text
FROM (SELECT id, row_number() OVER (PARTITION BY participant_ids ORDER BY id) AS rn
      FROM conversations WHERE cardinality(participant_ids) = 2 AND participant_ids[1] < participant_ids[2]) k
WHERE k.id = c.id AND k.rn = 1;
ALTER TABLE conversations ADD CONSTRAINT conversations_direct_key_key UNIQUE (direct_key);
ALTER TABLE conversations ADD CONSTRAINT conversations_direct_key_matches CHECK (
  direct_key IS NULL OR (cardinality(participant_ids) = 2 AND participant_ids[1] < participant_ids[2]
                         AND direct_key = participant_ids[1]::text || ':' || participant_ids[2]::text));

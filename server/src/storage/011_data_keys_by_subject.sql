-- The device store's `007_subject_keys_in_memory.sql` made the keys one B-tree by id,
-- dropping the indexes a server needs: the changes to each stream's keys in order (for
-- the key exchange, and to number the next change), and a person's keys in every
-- stream (for an erasure or a subject access request).
CREATE INDEX IF NOT EXISTS data_keys_by_stream ON data_keys(stream, seq);
CREATE INDEX IF NOT EXISTS data_keys_by_subject ON data_keys(subject, stream) WHERE subject IS NOT NULL;

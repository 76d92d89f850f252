-- The changes to each stream's keys in order, for the key exchange: which changes a
-- device has not seen yet (`praxis_core::store::key_changes`).
CREATE INDEX IF NOT EXISTS data_keys_by_stream ON data_keys(stream, seq);

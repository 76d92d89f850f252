-- Each stream's heads (the hashes of its Automerge document's newest changes,
-- 32 bytes each, sorted), so a sync can tell which streams two replicas hold alike
-- without loading their documents. NULL when not known: worked out when asked.
ALTER TABLE streams ADD COLUMN heads BLOB;

-- A stream's changes are written only by an instance that holds the stream's lock,
-- in the transaction that writes (or already wrote) the stream's row: the foreign key
-- checked that again for every change, a third of the time a phone's backlog took to
-- write. Without it, the key is kept by the one writer.
ALTER TABLE changes DROP CONSTRAINT changes_stream_fkey;

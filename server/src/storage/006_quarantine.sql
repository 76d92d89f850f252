-- Quarantine: a change whose event the server holds back is kept and receipted, with
-- the reason it was held back (the event itself stays in the stream's history).
ALTER TABLE receipts ADD COLUMN refused TEXT;

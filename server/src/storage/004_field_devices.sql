-- A device that is the field app in a browser: it keeps no replica, so it sends
-- records (which the server turns into changes of its actor) and never syncs.
ALTER TABLE devices ADD COLUMN field_app INTEGER NOT NULL DEFAULT 0;

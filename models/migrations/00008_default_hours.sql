-- +goose Up
-- Calling hours left out are the US federal window, 08:00–21:00 local,
-- never the whole night; the API sets the same defaults. Existing rows keep
-- the hours they have.
ALTER TABLE time_zones ALTER COLUMN start_time SET DEFAULT '08:00', ALTER COLUMN end_time SET DEFAULT '21:00';
ALTER TABLE campaign_group_time_zones ALTER COLUMN start_time SET DEFAULT '08:00', ALTER COLUMN end_time SET DEFAULT '21:00';
ALTER TABLE campaigns ALTER COLUMN daily_start_time SET DEFAULT '08:00', ALTER COLUMN daily_end_time SET DEFAULT '21:00';

-- +goose Down
ALTER TABLE time_zones ALTER COLUMN start_time SET DEFAULT '00:00', ALTER COLUMN end_time SET DEFAULT '23:59';
ALTER TABLE campaign_group_time_zones ALTER COLUMN start_time SET DEFAULT '00:00', ALTER COLUMN end_time SET DEFAULT '23:59';
ALTER TABLE campaigns ALTER COLUMN daily_start_time SET DEFAULT '00:00', ALTER COLUMN daily_end_time SET DEFAULT '23:59';

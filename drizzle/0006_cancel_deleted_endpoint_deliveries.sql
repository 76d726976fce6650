-- Hand-written: before retries and replays refused deleted endpoints, they could make a
-- delivery of a deleted endpoint pending again; claims skip those, so it waited for ever,
-- counted as due and kept retention off its event. It ends cancelled, as deleting the endpoint
-- would have left it, finished when it was requeued.
UPDATE `deliveries` SET `status` = 'cancelled', `next_attempt_at` = NULL, `lease_until` = NULL, `finished_at` = `updated_at` WHERE `status` = 'pending' AND `endpoint_id` IN (SELECT `id` FROM `endpoints` WHERE `deleted_at` IS NOT NULL);

ALTER TABLE `endpoints` ADD `previous_secrets` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Hand-written: the one previous secret of the old columns becomes the list's only entry.
UPDATE `endpoints` SET `previous_secrets` = json_array(json_object('secret', `previous_secret`, 'expiresAt', `previous_secret_expires_at`)) WHERE `previous_secret` IS NOT NULL AND `previous_secret_expires_at` IS NOT NULL;

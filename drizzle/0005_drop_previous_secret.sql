ALTER TABLE `endpoints` DROP COLUMN `previous_secret`;--> statement-breakpoint
ALTER TABLE `endpoints` DROP COLUMN `previous_secret_expires_at`;
CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scopes` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `sources` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`verifier` text NOT NULL,
	`secrets` text NOT NULL,
	`destinations` text NOT NULL,
	`forward_headers` text NOT NULL,
	`response` text,
	`max_body_bytes` integer NOT NULL,
	`dedupe_window_ms` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`deleted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sources_name` ON `sources` (`name`) WHERE "sources"."deleted_at" IS NULL;--> statement-breakpoint
ALTER TABLE `endpoints` ADD `source_id` text;--> statement-breakpoint
ALTER TABLE `events` ADD `source_id` text;--> statement-breakpoint
ALTER TABLE `events` ADD `dedupe_key` text;--> statement-breakpoint
ALTER TABLE `events` ADD `headers` text;--> statement-breakpoint
CREATE INDEX `events_source_dedupe` ON `events` (`source_id`,`dedupe_key`);
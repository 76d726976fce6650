ALTER TABLE `endpoints` ADD `signing` text DEFAULT '{"plugin":"standard-webhooks","options":{}}' NOT NULL;--> statement-breakpoint
ALTER TABLE `endpoints` ADD `transform` text;
ALTER TABLE `endpoints` ADD `rate_limit_per_second` integer;--> statement-breakpoint
ALTER TABLE `endpoints` ADD `failing_since` integer;
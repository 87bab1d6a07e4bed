-- Create "applications" table
CREATE TABLE `applications` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `owner` text NOT NULL DEFAULT (''), `criticality` text NOT NULL DEFAULT ('MEDIUM'));
-- Create index "applications_name_key" to table: "applications"
CREATE UNIQUE INDEX `applications_name_key` ON `applications` (`name`);
-- Create index "application_created_at" to table: "applications"
CREATE INDEX `application_created_at` ON `applications` (`created_at`);
-- Create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `actor` text NOT NULL, `action` text NOT NULL, `entity_type` text NOT NULL, `entity_id` integer NOT NULL, `changes` json NOT NULL, `reason` text NULL);
-- Set sequence for "audit_events" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("audit_events", 21474836480);
-- Create index "auditevent_entity_type_entity_id_at" to table: "audit_events"
CREATE INDEX `auditevent_entity_type_entity_id_at` ON `audit_events` (`entity_type`, `entity_id`, `at`);
-- Create index "auditevent_at" to table: "audit_events"
CREATE INDEX `auditevent_at` ON `audit_events` (`at`);
-- Create index "auditevent_actor_at" to table: "audit_events"
CREATE INDEX `auditevent_actor_at` ON `audit_events` (`actor`, `at`);
-- Create "changes" table
CREATE TABLE `changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `title` text NOT NULL, `description` text NOT NULL DEFAULT (''), `kind` text NOT NULL DEFAULT ('FEATURE'), `risk` text NOT NULL DEFAULT ('MEDIUM'), `external_ref` text NULL, `release_id` integer NULL, CONSTRAINT `changes_releases_changes` FOREIGN KEY (`release_id`) REFERENCES `releases` (`id`) ON DELETE SET NULL);
-- Set sequence for "changes" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("changes", 4294967296);
-- Create index "change_created_at" to table: "changes"
CREATE INDEX `change_created_at` ON `changes` (`created_at`);
-- Create index "change_release_id" to table: "changes"
CREATE INDEX `change_release_id` ON `changes` (`release_id`);
-- Create index "change_external_ref" to table: "changes"
CREATE INDEX `change_external_ref` ON `changes` (`external_ref`);
-- Create "change_applications" table
CREATE TABLE `change_applications` (`change_id` integer NOT NULL, `application_id` integer NOT NULL, PRIMARY KEY (`change_id`, `application_id`), CONSTRAINT `change_applications_changes_change` FOREIGN KEY (`change_id`) REFERENCES `changes` (`id`) ON DELETE CASCADE, CONSTRAINT `change_applications_applications_application` FOREIGN KEY (`application_id`) REFERENCES `applications` (`id`) ON DELETE CASCADE);
-- Set sequence for "change_applications" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("change_applications", 38654705664);
-- Create index "change_applications_application_id" to table: "change_applications"
CREATE INDEX `change_applications_application_id` ON `change_applications` (`application_id`);
-- Create "dependencies" table
CREATE TABLE `dependencies` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL DEFAULT ('RUNTIME'), `description` text NOT NULL DEFAULT (''), `consumer_id` integer NOT NULL, `provider_id` integer NOT NULL, CONSTRAINT `dependencies_applications_upstream_dependencies` FOREIGN KEY (`consumer_id`) REFERENCES `applications` (`id`) ON DELETE NO ACTION, CONSTRAINT `dependencies_applications_downstream_dependencies` FOREIGN KEY (`provider_id`) REFERENCES `applications` (`id`) ON DELETE NO ACTION);
-- Set sequence for "dependencies" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("dependencies", 8589934592);
-- Create index "dependency_created_at" to table: "dependencies"
CREATE INDEX `dependency_created_at` ON `dependencies` (`created_at`);
-- Create index "dependency_consumer_id_provider_id" to table: "dependencies"
CREATE UNIQUE INDEX `dependency_consumer_id_provider_id` ON `dependencies` (`consumer_id`, `provider_id`);
-- Create index "dependency_provider_id" to table: "dependencies"
CREATE INDEX `dependency_provider_id` ON `dependencies` (`provider_id`);
-- Create "deployments" table
CREATE TABLE `deployments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `starts_at` datetime NULL, `ends_at` datetime NULL, `status` text NOT NULL DEFAULT ('SCHEDULED'), `environment_id` integer NOT NULL, `release_id` integer NOT NULL, CONSTRAINT `deployments_environments_deployments` FOREIGN KEY (`environment_id`) REFERENCES `environments` (`id`) ON DELETE NO ACTION, CONSTRAINT `deployments_releases_deployments` FOREIGN KEY (`release_id`) REFERENCES `releases` (`id`) ON DELETE NO ACTION);
-- Set sequence for "deployments" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("deployments", 25769803776);
-- Create index "deployment_created_at" to table: "deployments"
CREATE INDEX `deployment_created_at` ON `deployments` (`created_at`);
-- Create index "deployment_starts_at" to table: "deployments"
CREATE INDEX `deployment_starts_at` ON `deployments` (`starts_at`);
-- Create index "deployment_ends_at" to table: "deployments"
CREATE INDEX `deployment_ends_at` ON `deployments` (`ends_at`);
-- Create index "deployment_release_id" to table: "deployments"
CREATE INDEX `deployment_release_id` ON `deployments` (`release_id`);
-- Create index "deployment_environment_id_starts_at" to table: "deployments"
CREATE INDEX `deployment_environment_id_starts_at` ON `deployments` (`environment_id`, `starts_at`);
-- Create "environments" table
CREATE TABLE `environments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `stage` text NOT NULL, `description` text NOT NULL DEFAULT (''));
-- Set sequence for "environments" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("environments", 30064771072);
-- Create index "environments_name_key" to table: "environments"
CREATE UNIQUE INDEX `environments_name_key` ON `environments` (`name`);
-- Create index "environment_created_at" to table: "environments"
CREATE INDEX `environment_created_at` ON `environments` (`created_at`);
-- Create "freeze_windows" table
CREATE TABLE `freeze_windows` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `starts_at` datetime NOT NULL, `ends_at` datetime NOT NULL, `name` text NOT NULL, `reason` text NOT NULL DEFAULT (''));
-- Set sequence for "freeze_windows" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("freeze_windows", 34359738368);
-- Create index "freezewindow_created_at" to table: "freeze_windows"
CREATE INDEX `freezewindow_created_at` ON `freeze_windows` (`created_at`);
-- Create index "freezewindow_starts_at" to table: "freeze_windows"
CREATE INDEX `freezewindow_starts_at` ON `freeze_windows` (`starts_at`);
-- Create index "freezewindow_ends_at" to table: "freeze_windows"
CREATE INDEX `freezewindow_ends_at` ON `freeze_windows` (`ends_at`);
-- Create "generations" table
CREATE TABLE `generations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `value` integer NOT NULL DEFAULT (0));
-- Set sequence for "generations" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("generations", 17179869184);
-- Create index "generations_name_key" to table: "generations"
CREATE UNIQUE INDEX `generations_name_key` ON `generations` (`name`);
-- Create "graph_changes" table
CREATE TABLE `graph_changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `generation` integer NOT NULL, `application_id` integer NULL, `consumer_id` integer NULL, `provider_id` integer NULL, `removed` bool NOT NULL DEFAULT (false));
-- Set sequence for "graph_changes" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("graph_changes", 47244640256);
-- Create index "graphchange_generation" to table: "graph_changes"
CREATE INDEX `graphchange_generation` ON `graph_changes` (`generation`);
-- Create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `caller` text NOT NULL, `key` text NOT NULL, `request_hash` text NOT NULL, `created_at` datetime NOT NULL, `done` bool NOT NULL DEFAULT (false), `status` integer NULL, `content_type` text NULL, `response` blob NULL);
-- Set sequence for "idempotency_keys" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("idempotency_keys", 51539607552);
-- Create index "idempotencykey_caller_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_caller_key` ON `idempotency_keys` (`caller`, `key`);
-- Create index "idempotencykey_created_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_created_at` ON `idempotency_keys` (`created_at`);
-- Create "releases" table
CREATE TABLE `releases` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `starts_at` datetime NULL, `ends_at` datetime NULL, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('DRAFT'), `stages` json NOT NULL);
-- Set sequence for "releases" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("releases", 12884901888);
-- Create index "releases_name_key" to table: "releases"
CREATE UNIQUE INDEX `releases_name_key` ON `releases` (`name`);
-- Create index "release_created_at" to table: "releases"
CREATE INDEX `release_created_at` ON `releases` (`created_at`);
-- Create index "release_starts_at" to table: "releases"
CREATE INDEX `release_starts_at` ON `releases` (`starts_at`);
-- Create index "release_ends_at" to table: "releases"
CREATE INDEX `release_ends_at` ON `releases` (`ends_at`);
-- Create "tokens" table
CREATE TABLE `tokens` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `role` text NOT NULL, `hash` text NOT NULL);
-- Set sequence for "tokens" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("tokens", 42949672960);
-- Create index "tokens_name_key" to table: "tokens"
CREATE UNIQUE INDEX `tokens_name_key` ON `tokens` (`name`);
-- Create index "tokens_hash_key" to table: "tokens"
CREATE UNIQUE INDEX `tokens_hash_key` ON `tokens` (`hash`);
-- Create index "token_created_at" to table: "tokens"
CREATE INDEX `token_created_at` ON `tokens` (`created_at`);
-- Create "freeze_window_applications" table
CREATE TABLE `freeze_window_applications` (`freeze_window_id` integer NOT NULL, `application_id` integer NOT NULL, PRIMARY KEY (`freeze_window_id`, `application_id`), CONSTRAINT `freeze_window_applications_freeze_window_id` FOREIGN KEY (`freeze_window_id`) REFERENCES `freeze_windows` (`id`) ON DELETE CASCADE, CONSTRAINT `freeze_window_applications_application_id` FOREIGN KEY (`application_id`) REFERENCES `applications` (`id`) ON DELETE CASCADE);

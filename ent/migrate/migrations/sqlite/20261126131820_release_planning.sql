-- Add column "risk_score" to table: "releases"
ALTER TABLE `releases` ADD COLUMN `risk_score` real NULL;
-- Create "deployment_plans" table
CREATE TABLE `deployment_plans` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `environment_id` integer NOT NULL, `release_id` integer NOT NULL, CONSTRAINT `deployment_plans_environments_deployment_plans` FOREIGN KEY (`environment_id`) REFERENCES `environments` (`id`) ON DELETE NO ACTION, CONSTRAINT `deployment_plans_releases_deployment_plans` FOREIGN KEY (`release_id`) REFERENCES `releases` (`id`) ON DELETE NO ACTION);
-- Set sequence for "deployment_plans" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("deployment_plans", 55834574848);
-- Create index "deploymentplan_created_at" to table: "deployment_plans"
CREATE INDEX `deploymentplan_created_at` ON `deployment_plans` (`created_at`);
-- Create index "deploymentplan_release_id_environment_id" to table: "deployment_plans"
CREATE UNIQUE INDEX `deploymentplan_release_id_environment_id` ON `deployment_plans` (`release_id`, `environment_id`);
-- Create index "deploymentplan_environment_id" to table: "deployment_plans"
CREATE INDEX `deploymentplan_environment_id` ON `deployment_plans` (`environment_id`);
-- Create "deployment_steps" table
CREATE TABLE `deployment_steps` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `kind` text NOT NULL, `wave` integer NOT NULL, `position` integer NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `owner` text NOT NULL DEFAULT (''), `notes` text NOT NULL DEFAULT (''), `started_at` datetime NULL, `finished_at` datetime NULL, `application_id` integer NOT NULL, `plan_id` integer NOT NULL, CONSTRAINT `deployment_steps_applications_deployment_steps` FOREIGN KEY (`application_id`) REFERENCES `applications` (`id`) ON DELETE NO ACTION, CONSTRAINT `deployment_steps_deployment_plans_steps` FOREIGN KEY (`plan_id`) REFERENCES `deployment_plans` (`id`) ON DELETE NO ACTION);
-- Set sequence for "deployment_steps" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("deployment_steps", 60129542144);
-- Create index "deploymentstep_created_at" to table: "deployment_steps"
CREATE INDEX `deploymentstep_created_at` ON `deployment_steps` (`created_at`);
-- Create index "deploymentstep_plan_id_kind_application_id" to table: "deployment_steps"
CREATE UNIQUE INDEX `deploymentstep_plan_id_kind_application_id` ON `deployment_steps` (`plan_id`, `kind`, `application_id`);
-- Create index "deploymentstep_application_id" to table: "deployment_steps"
CREATE INDEX `deploymentstep_application_id` ON `deployment_steps` (`application_id`);
-- Create "release_packages" table
CREATE TABLE `release_packages` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `starts_at` datetime NULL, `ends_at` datetime NULL, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''));
-- Set sequence for "release_packages" table
INSERT INTO sqlite_sequence (name, seq) VALUES ("release_packages", 64424509440);
-- Create index "release_packages_name_key" to table: "release_packages"
CREATE UNIQUE INDEX `release_packages_name_key` ON `release_packages` (`name`);
-- Create index "releasepackage_created_at" to table: "release_packages"
CREATE INDEX `releasepackage_created_at` ON `release_packages` (`created_at`);
-- Create index "releasepackage_starts_at" to table: "release_packages"
CREATE INDEX `releasepackage_starts_at` ON `release_packages` (`starts_at`);
-- Create index "releasepackage_ends_at" to table: "release_packages"
CREATE INDEX `releasepackage_ends_at` ON `release_packages` (`ends_at`);
-- Create "release_package_releases" table
CREATE TABLE `release_package_releases` (`release_package_id` integer NOT NULL, `release_id` integer NOT NULL, PRIMARY KEY (`release_package_id`, `release_id`), CONSTRAINT `release_package_releases_release_package_id` FOREIGN KEY (`release_package_id`) REFERENCES `release_packages` (`id`) ON DELETE CASCADE, CONSTRAINT `release_package_releases_release_id` FOREIGN KEY (`release_id`) REFERENCES `releases` (`id`) ON DELETE CASCADE);

"""Platform: the audit log, backups, health, virus scanning and loading the illustrative seeds."""

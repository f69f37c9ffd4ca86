-- The tenants' directory (organizations, users and their memberships,
-- tickets) and inbound webhooks (provisioning destinations, the inbound
-- log). Every directory change is written in one transaction with its event
-- and deliveries. Users are never deleted. A ticket's comments, a
-- destination's mapping and a call's headers and field errors are JSON text.
-- Signing secrets are sealed (encrypted) by the app.

-- +goose Up
CREATE TABLE organizations (
    id         TEXT    NOT NULL PRIMARY KEY,
    tenant_id  TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    CONSTRAINT organizations_tenant_id_key UNIQUE (tenant_id, id),
    CONSTRAINT organizations_tenant_name_key UNIQUE (tenant_id, name)
) STRICT;
CREATE INDEX organizations_tenant_created_at_idx ON organizations (tenant_id, created_at, id);

CREATE TABLE directory_users (
    id            TEXT    NOT NULL PRIMARY KEY,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    employee_id   TEXT    NOT NULL,
    first_name    TEXT    NOT NULL,
    last_name     TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    mobile        TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    external_id   TEXT    NOT NULL,
    terminated_at TEXT,
    version       INTEGER NOT NULL,
    created_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    CONSTRAINT directory_users_tenant_id_key UNIQUE (tenant_id, id),
    CONSTRAINT directory_users_tenant_employee_key UNIQUE (tenant_id, employee_id)
) STRICT;
CREATE INDEX directory_users_tenant_created_at_idx ON directory_users (tenant_id, created_at, id);

CREATE TABLE user_organizations (
    tenant_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    PRIMARY KEY (user_id, organization_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES directory_users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX user_organizations_organization_idx ON user_organizations (organization_id);

CREATE TABLE tickets (
    id                TEXT    NOT NULL PRIMARY KEY,
    tenant_id         TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number            TEXT    NOT NULL,
    title             TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    requester_email   TEXT    NOT NULL,
    reported_by_email TEXT    NOT NULL,
    opened_at         TEXT,
    impact            TEXT    NOT NULL,
    urgency           TEXT    NOT NULL,
    priority          TEXT    NOT NULL,
    category          TEXT    NOT NULL,
    subcategory       TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    external_id       TEXT,
    comments          TEXT    NOT NULL,
    version           INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    CONSTRAINT tickets_tenant_source_external_key UNIQUE (tenant_id, source, external_id)
) STRICT;
CREATE INDEX tickets_tenant_created_at_idx ON tickets (tenant_id, created_at, id);

CREATE TABLE ticket_numbers (
    tenant_id   TEXT    NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_number INTEGER NOT NULL
) STRICT;

CREATE TABLE provisioning_destinations (
    id                 TEXT NOT NULL PRIMARY KEY,
    tenant_id          TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               TEXT NOT NULL,
    type               TEXT NOT NULL,
    mapping            TEXT NOT NULL,
    signature          TEXT NOT NULL,
    signature_header   TEXT NOT NULL,
    signature_encoding TEXT NOT NULL,
    signing_secret     BLOB,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE INDEX provisioning_destinations_tenant_created_at_idx ON provisioning_destinations (tenant_id, created_at, id);

CREATE TABLE inbound_calls (
    id             TEXT    NOT NULL PRIMARY KEY,
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    received_at    TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    destination_id TEXT    NOT NULL,
    operation      TEXT    NOT NULL,
    method         TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    source_ip      TEXT    NOT NULL,
    caller         TEXT    NOT NULL,
    headers        TEXT    NOT NULL,
    body           BLOB    NOT NULL,
    body_truncated INTEGER NOT NULL,
    status         INTEGER NOT NULL,
    problem        TEXT    NOT NULL,
    errors         TEXT    NOT NULL,
    result_type    TEXT    NOT NULL,
    result_id      TEXT    NOT NULL,
    replay_of      TEXT    NOT NULL
) STRICT;
CREATE INDEX inbound_calls_tenant_received_at_idx ON inbound_calls (tenant_id, received_at, id);

-- +goose Down
DROP TABLE inbound_calls;
DROP TABLE provisioning_destinations;
DROP TABLE ticket_numbers;
DROP TABLE tickets;
DROP TABLE user_organizations;
DROP TABLE directory_users;
DROP TABLE organizations;

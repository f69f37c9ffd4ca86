-- The tenants' directory (organizations, users and their memberships,
-- tickets) and inbound webhooks (provisioning destinations, the inbound
-- log). Every directory change is written in one transaction with its event
-- and deliveries. Users are never deleted. A ticket's comments, a
-- destination's mapping and a call's headers and field errors are JSON text.
-- Signing secrets are sealed (encrypted) by the app.

-- +goose Up
CREATE TABLE organizations (
    id         text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id  text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text        COLLATE "C" NOT NULL,
    version    integer     NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT organizations_tenant_id_key UNIQUE (tenant_id, id),
    CONSTRAINT organizations_tenant_name_key UNIQUE (tenant_id, name)
);
CREATE INDEX organizations_tenant_created_at_idx ON organizations (tenant_id, created_at, id);

CREATE TABLE directory_users (
    id            text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id     text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    employee_id   text        COLLATE "C" NOT NULL,
    first_name    text        COLLATE "C" NOT NULL,
    last_name     text        COLLATE "C" NOT NULL,
    display_name  text        COLLATE "C" NOT NULL,
    email         text        COLLATE "C" NOT NULL,
    mobile        text        COLLATE "C" NOT NULL,
    status        text        COLLATE "C" NOT NULL,
    external_id   text        COLLATE "C" NOT NULL,
    terminated_at timestamptz,
    version       integer     NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    CONSTRAINT directory_users_tenant_id_key UNIQUE (tenant_id, id),
    CONSTRAINT directory_users_tenant_employee_key UNIQUE (tenant_id, employee_id)
);
CREATE INDEX directory_users_tenant_created_at_idx ON directory_users (tenant_id, created_at, id);

CREATE TABLE user_organizations (
    tenant_id       text COLLATE "C" NOT NULL,
    user_id         text COLLATE "C" NOT NULL,
    organization_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, organization_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES directory_users (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, organization_id) REFERENCES organizations (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX user_organizations_organization_idx ON user_organizations (organization_id);

CREATE TABLE tickets (
    id                text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id         text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    number            text        COLLATE "C" NOT NULL,
    title             text        COLLATE "C" NOT NULL,
    description       text        COLLATE "C" NOT NULL,
    requester_email   text        COLLATE "C" NOT NULL,
    reported_by_email text        COLLATE "C" NOT NULL,
    opened_at         timestamptz,
    impact            text        COLLATE "C" NOT NULL,
    urgency           text        COLLATE "C" NOT NULL,
    priority          text        COLLATE "C" NOT NULL,
    category          text        COLLATE "C" NOT NULL,
    subcategory       text        COLLATE "C" NOT NULL,
    state             text        COLLATE "C" NOT NULL,
    source            text        COLLATE "C" NOT NULL,
    external_id       text        COLLATE "C",
    comments          text        NOT NULL,
    version           integer     NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    CONSTRAINT tickets_tenant_source_external_key UNIQUE (tenant_id, source, external_id)
);
CREATE INDEX tickets_tenant_created_at_idx ON tickets (tenant_id, created_at, id);

CREATE TABLE ticket_numbers (
    tenant_id   text   COLLATE "C" NOT NULL PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    last_number bigint NOT NULL
);

CREATE TABLE provisioning_destinations (
    id                 text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id          text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               text        COLLATE "C" NOT NULL,
    type               text        NOT NULL,
    mapping            text        NOT NULL,
    signature          text        NOT NULL,
    signature_header   text        NOT NULL,
    signature_encoding text        NOT NULL,
    signing_secret     bytea,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX provisioning_destinations_tenant_created_at_idx ON provisioning_destinations (tenant_id, created_at, id);

CREATE TABLE inbound_calls (
    id             text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id      text        COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    received_at    timestamptz NOT NULL,
    kind           text        COLLATE "C" NOT NULL,
    destination_id text        COLLATE "C" NOT NULL,
    operation      text        COLLATE "C" NOT NULL,
    method         text        NOT NULL,
    path           text        COLLATE "C" NOT NULL,
    source_ip      text        COLLATE "C" NOT NULL,
    caller         text        NOT NULL,
    headers        text        NOT NULL,
    body           bytea       NOT NULL,
    body_truncated boolean     NOT NULL,
    status         integer     NOT NULL,
    problem        text        COLLATE "C" NOT NULL,
    errors         text        NOT NULL,
    result_type    text        NOT NULL,
    result_id      text        NOT NULL,
    replay_of      text        NOT NULL
);
CREATE INDEX inbound_calls_tenant_received_at_idx ON inbound_calls (tenant_id, received_at, id);

-- +goose Down
DROP TABLE inbound_calls;
DROP TABLE provisioning_destinations;
DROP TABLE ticket_numbers;
DROP TABLE tickets;
DROP TABLE user_organizations;
DROP TABLE directory_users;
DROP TABLE organizations;

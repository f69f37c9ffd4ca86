-- The event catalog. Built-in types have tenant_id '' and belong to no
-- tenant, so tenant_id has no foreign key; the store checks that a tenant
-- exists when it adds one of its types. Schemas and examples are JSON text,
-- kept byte for byte.

-- +goose Up
CREATE TABLE event_types (
    id          TEXT    NOT NULL PRIMARY KEY,
    tenant_id   TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    schema      TEXT    NOT NULL,
    example     TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    deprecated  INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    CONSTRAINT event_types_tenant_name_key UNIQUE (tenant_id, name)
) STRICT;
CREATE INDEX event_types_tenant_created_at_idx ON event_types (tenant_id, created_at, id);

-- +goose Down
DROP TABLE event_types;

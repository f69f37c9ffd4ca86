-- The event catalog. Built-in types have tenant_id '' and belong to no
-- tenant, so tenant_id has no foreign key; the store checks that a tenant
-- exists when it adds one of its types. Schemas and examples are JSON text
-- (not jsonb), kept byte for byte.

-- +goose Up
CREATE TABLE event_types (
    id          text        COLLATE "C" NOT NULL PRIMARY KEY,
    tenant_id   text        COLLATE "C" NOT NULL,
    name        text        COLLATE "C" NOT NULL,
    description text        COLLATE "C" NOT NULL,
    schema      text        NOT NULL,
    example     text        NOT NULL,
    version     integer     NOT NULL,
    deprecated  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    CONSTRAINT event_types_tenant_name_key UNIQUE (tenant_id, name)
);
CREATE INDEX event_types_tenant_created_at_idx ON event_types (tenant_id, created_at, id);

-- +goose Down
DROP TABLE event_types;

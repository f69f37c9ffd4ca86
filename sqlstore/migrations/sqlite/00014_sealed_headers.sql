-- An endpoint's custom headers, often the receiver's credentials, are kept
-- sealed under the instance key, like its signing secrets: sealed_headers
-- holds the JSON object of the headers, AES-256-GCM sealed; headers is then
-- '{}'. Rows from before this migration keep their headers in clear until
-- hookd, which has the key, seals them when it starts (SealEndpointHeaders):
-- SQL alone cannot encrypt.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN sealed_headers BLOB;

-- +goose Down
ALTER TABLE endpoints DROP COLUMN sealed_headers;

-- Ordered delivery (hookd.OrderingFIFO): an endpoint's ordering, the
-- counter its deliveries are numbered from in the publishing transaction
-- (see sqlstore/fifo.go), each delivery's number, and the index the FIFO
-- claim finds an endpoint's first waiting delivery with.

-- +goose Up
ALTER TABLE endpoints ADD COLUMN ordering TEXT NOT NULL DEFAULT 'none';
ALTER TABLE endpoints ADD COLUMN fifo_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN seq BIGINT;
CREATE INDEX deliveries_fifo_idx ON deliveries (endpoint_id, seq NULLS FIRST, id) WHERE state IN ('pending', 'running');

-- +goose Down
DROP INDEX deliveries_fifo_idx;
ALTER TABLE deliveries DROP COLUMN seq;
ALTER TABLE endpoints DROP COLUMN fifo_seq;
ALTER TABLE endpoints DROP COLUMN ordering;

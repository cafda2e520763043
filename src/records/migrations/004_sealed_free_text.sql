-- Free text leaves the process sealed with the payload keys (src/records/seal.ts): the ledger's reasons and note texts,
-- the close's reason, the DOCX of official documents, the circular's files, figures.json and mail.json.
-- SQL holds no key, so this migration seals nothing: rows written before it stay in the clear and are read as they are
-- (reason_sealed null: the clear reason; content_sealed false: the clear bytes). Every write from now on is sealed.

-- Ledger: the sealed reason, the clear column kept for rows written before (a row has one or the other, or none).
ALTER TABLE ledger_entries ADD COLUMN reason_sealed bytea;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_one_reason CHECK (reason IS NULL OR reason_sealed IS NULL);
ALTER TABLE ledger_closes ALTER COLUMN reason DROP NOT NULL;
ALTER TABLE ledger_closes ADD COLUMN reason_sealed bytea;
ALTER TABLE ledger_closes ADD CONSTRAINT ledger_closes_one_reason CHECK ((reason IS NULL) <> (reason_sealed IS NULL));

-- DOCX and circular files: content holds the sealed bytes when content_sealed, the clear bytes of an older row otherwise.
ALTER TABLE documents ADD COLUMN content_sealed boolean NOT NULL DEFAULT false;
ALTER TABLE circular_files ADD COLUMN content_sealed boolean NOT NULL DEFAULT false;

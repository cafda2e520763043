-- The case list reads the store of record: filters by stage and by deadline among open cases, and unit-scoped pages.
CREATE INDEX cases_stage ON cases (stage, received_at);
CREATE INDEX cases_open_deadline ON cases (deadline) WHERE status = 'open';
-- Secrets every process of one installation shares, made once by the first process that needs them (e.g. the list's page-token key).
CREATE TABLE shared_secrets (
  name       text PRIMARY KEY,
  value      bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- duban's records of account: what must outlive a workflow and be shared by every process.

-- The unit-year score ledger, append-only: deductions, reversals (their own entries), notes.
CREATE TABLE ledger_entries (
  seq         bigserial PRIMARY KEY,
  entry_id    text NOT NULL UNIQUE,            -- a retried deduction finds its entry and adds nothing
  unit_id     text NOT NULL,
  year        integer NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('deduction', 'reversal', 'note')),
  case_id     text,
  milestone   text,
  level       text CHECK (level IN ('district', 'city', 'beijing')),
  points      numeric(8, 2) NOT NULL CHECK (points >= 0),
  at          timestamptz NOT NULL,
  actor_id    text NOT NULL,
  actor_role  text NOT NULL,
  reason      text,
  reverses    text UNIQUE REFERENCES ledger_entries (entry_id), -- at most one reversal per deduction
  request_id  text,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_unit_year ON ledger_entries (unit_id, year, seq);
CREATE UNIQUE INDEX ledger_entries_request ON ledger_entries (unit_id, year, request_id) WHERE request_id IS NOT NULL;

-- The year's close: once a row is here the year takes no new entry.
CREATE TABLE ledger_closes (
  unit_id    text NOT NULL,
  year       integer NOT NULL,
  at         timestamptz NOT NULL,
  actor_id   text NOT NULL,
  actor_role text NOT NULL,
  reason     text NOT NULL,
  request_id text,
  PRIMARY KEY (unit_id, year)
);

-- 催办单 / 督办单: gapless numbers per issuing office and year, given in the same transaction as the document row.
CREATE TABLE document_counters (
  office_id   text NOT NULL,
  year        integer NOT NULL,
  last_number integer NOT NULL CHECK (last_number >= 0),
  PRIMARY KEY (office_id, year)
);

CREATE TABLE documents (
  document_id     text PRIMARY KEY,
  doc_key         text NOT NULL UNIQUE,           -- <caseId>/<milestone>/<kind>: the same key always gets the same number
  office_id       text NOT NULL,
  year            integer NOT NULL,
  number          integer NOT NULL CHECK (number >= 1),
  case_id         text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('urge', 'supervise')),
  milestone       text NOT NULL,
  document_number text NOT NULL,
  file_name       text NOT NULL,
  issued_at       timestamptz NOT NULL,
  content         bytea,                          -- the DOCX; null until it is rendered
  content_sha256  text,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (office_id, year, number)                -- a number is never reused
);
CREATE INDEX documents_case ON documents (case_id, issued_at);

-- Every case: the searchable facts in the clear, the full view sealed with the payload key.
CREATE TABLE cases (
  case_id     text PRIMARY KEY,
  kind        text NOT NULL,
  unit_id     text NOT NULL,
  level       text,
  status      text NOT NULL,
  stage       text NOT NULL,
  received_at timestamptz NOT NULL,
  deadline    timestamptz,
  overdue     boolean NOT NULL DEFAULT false,
  closed_at   timestamptz,
  view_seq    integer NOT NULL,                   -- the timeline length of the stored view: an older write never wins
  view        bytea NOT NULL,                     -- sealed CaseView (src/records/seal.ts)
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_unit ON cases (unit_id, received_at);
CREATE INDEX cases_received ON cases (received_at);

-- A row per milestone event of every case, written idempotently by activities (case, timeline seq).
CREATE TABLE case_facts (
  case_id    text NOT NULL,
  seq        integer NOT NULL,
  type       text NOT NULL,
  at         timestamptz NOT NULL,
  milestone  text,
  unit_id    text NOT NULL,
  level      text,
  actor_id   text NOT NULL,
  actor_role text NOT NULL,
  on_time    boolean,                             -- arrival and closure report: in time or late
  points     numeric(8, 2),                       -- deduction
  entry      bytea NOT NULL,                      -- the sealed timeline entry (reasons may carry free text)
  PRIMARY KEY (case_id, seq)
);
CREATE INDEX case_facts_type_at ON case_facts (type, at);

-- Arrival links: a token is used once, whichever API process sees it.
CREATE TABLE arrival_tokens_used (
  token_id   text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz NOT NULL DEFAULT now()
);

-- Send once: a message's idempotency key is claimed before the provider is called and marked sent after it accepted.
CREATE TABLE send_keys (
  idempotency_key text PRIMARY KEY,
  channel         text NOT NULL,
  state           text NOT NULL CHECK (state IN ('claimed', 'sent')),
  provider_id     text,
  claimed_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);

-- Reports produced once: the circular's files and whether it was mailed.
CREATE TABLE circular_files (
  circular_id text NOT NULL,
  name        text NOT NULL,
  content     bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (circular_id, name)
);
CREATE TABLE circular_mailings (
  circular_id text PRIMARY KEY,
  mailed_at   timestamptz NOT NULL DEFAULT now()
);

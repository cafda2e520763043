-- The web board's rows (src/board/store.ts): per-person accounts an admin creates (the password as an scrypt hash),
-- and signed-out sessions, so a sign-out holds on every API process. IF NOT EXISTS: the board created them on first
-- use before this migration existed.
CREATE TABLE IF NOT EXISTS board_accounts (
  name          text PRIMARY KEY,
  role          text NOT NULL,
  units         text[] NOT NULL DEFAULT '{}',
  password_salt bytea NOT NULL,
  password_hash bytea NOT NULL,
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled      boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS board_signouts (
  sid        text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);

-- Entry IDs are unique per unit-year ledger, as they were in the ledger workflow: note/<requestId> may recur in another unit's ledger.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_reverses_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_reverses_key;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_entry_id_key;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_entry UNIQUE (unit_id, year, entry_id);
-- At most one reversal per deduction, and it reverses a deduction of the same ledger.
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_one_reversal UNIQUE (unit_id, year, reverses);
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_reverses_fkey FOREIGN KEY (unit_id, year, reverses) REFERENCES ledger_entries (unit_id, year, entry_id);

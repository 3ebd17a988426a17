/**
 * The state store's schema, one migration per version. `PRAGMA user_version` records how far a
 * store has come; migrations only ever append.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: one row per filing, one per (filing, target).
  `CREATE TABLE filings (
     filing_id      TEXT PRIMARY KEY,
     tenant         TEXT NOT NULL,
     location_id    TEXT NOT NULL,
     location_name  TEXT NOT NULL,
     subject        TEXT,
     first_seen_at  TEXT NOT NULL,
     deliveries     INTEGER NOT NULL DEFAULT 1,
     reported_at    TEXT,
     report_error   TEXT
   );
   CREATE TABLE target_outcomes (
     filing_id   TEXT NOT NULL REFERENCES filings(filing_id),
     target      TEXT NOT NULL,
     outcome     TEXT,
     path        TEXT,
     bytes       INTEGER,
     hash_kind   TEXT,
     hash        TEXT,
     format      TEXT,
     reason      TEXT,
     attempts    INTEGER NOT NULL DEFAULT 0,
     last_error  TEXT,
     created_at  TEXT NOT NULL,
     updated_at  TEXT NOT NULL,
     PRIMARY KEY (filing_id, target)
   );
   CREATE INDEX target_outcomes_by_outcome ON target_outcomes(outcome, updated_at);
   CREATE INDEX filings_unreported ON filings(reported_at);
   CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
  // 2: what a target was before a user's retry put it back to pending (JSON: outcome, reason, the filing's
  // reported_at), so that a retry a crash cut short can be undone at the next start.
  `ALTER TABLE target_outcomes ADD COLUMN retry_of TEXT;`,
];

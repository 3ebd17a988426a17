/** The JSON the desktop server sends the page: one definition for both sides (no secrets in any of it). */

/** What the connector is doing, as the status page says it. */
export type RunState = 'starting' | 'running' | 'standing-by' | 'stopped';

/** What the status page shows. */
export interface StatusView {
  state: RunState;
  /** Who holds the tenant lease while this one stands by, and until when. */
  holder?: string;
  holderUntil?: string;
  /** Why it stopped (config, licence, refused token...), with what to do. */
  stoppedReason?: string;
  action?: string;
  /** While `starting` after the tenant lease was lost or given back: why nothing is written now. */
  waitingReason?: string;
  tenant?: string;
  sourceUrl?: string;
  lastPollAt?: string;
  filedToday: number;
  /** Filings still queued at the filing service (or, if it cannot tell, targets open here). */
  pending: number;
  errors: number;
  /** The latest problems, newest first. */
  recentErrors: { subject?: string; target: string; reason: string; at: string }[];
  licence?: { licensee: string; expiresAt: string; daysLeft: number };
  /** Plugins that failed to load. */
  failedPlugins: { name: string; reason: string }[];
}

/**
 * How the page opens a target's folder: a local or network folder is opened by the program itself
 * (a web page cannot open `file:` links), a cloud folder in the service's web UI.
 */
export type FolderLink = { kind: 'local'; path: string } | { kind: 'web'; url: string } | { kind: 'none'; display: string };

/** A target's state on the locations page. */
export interface TargetView {
  target: string;
  /** `ok`, `skipped` (no permission), `needs-sign-in`, `failing`, or `unknown` (not checked yet). */
  state: 'ok' | 'skipped' | 'needs-sign-in' | 'failing' | 'unknown';
  reason?: string;
  /** When this was last seen. */
  at?: string;
  link: FolderLink;
}

/** A location with its targets. */
export interface LocationView {
  id: string;
  name: string;
  format: string;
  targets: TargetView[];
}

/** One line of recent activity. */
export interface ActivityView {
  filingId: string;
  subject?: string;
  location: string;
  target: string;
  outcome: string;
  fileName?: string;
  reason?: string;
  at: string;
  retryable: boolean;
}

export interface AccountStatus {
  name: string;
  label: string;
  configured: boolean;
  signedIn: boolean;
  user?: string;
  expiresAt?: string;
  problem?: string;
  /** Set up, but sign-in is not possible now (the connector is stopped): why, and what to fix. */
  unavailable?: string;
}

export interface SettingField {
  key: string;
  label: string;
  kind: 'text' | 'url' | 'integer' | 'choice' | 'secret';
  help: string;
  options?: string[];
}

export interface SettingsView {
  fields: SettingField[];
  values: Record<string, string | number | undefined>;
  /** Write-only settings: whether each has a value (never the value). */
  secretsSet: Record<string, boolean>;
  issues: { key: string; expected: string; found?: string }[];
}

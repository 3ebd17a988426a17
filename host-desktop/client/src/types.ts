/** The JSON the server sends (mirrors host-desktop's DesktopApp views; no secrets in any of it). */

export interface StatusView {
  state: 'starting' | 'running' | 'standing-by' | 'stopped';
  holder?: string;
  holderUntil?: string;
  stoppedReason?: string;
  action?: string;
  tenant?: string;
  sourceUrl?: string;
  lastPollAt?: string;
  filedToday: number;
  pending: number;
  errors: number;
  recentErrors: { subject?: string; target: string; reason: string; at: string }[];
  licence?: { licensee: string; expiresAt: string; daysLeft: number };
  failedPlugins: { name: string; reason: string }[];
}

export type FolderLink = { kind: 'local'; path: string } | { kind: 'web'; url: string } | { kind: 'none'; display: string };

export interface TargetView {
  target: string;
  state: 'ok' | 'skipped' | 'needs-sign-in' | 'failing' | 'unknown';
  reason?: string;
  at?: string;
  link: FolderLink;
}

export interface LocationView {
  id: string;
  name: string;
  format: string;
  targets: TargetView[];
}

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

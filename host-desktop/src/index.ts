/**
 * @filing-sync/host-desktop: the desktop program — the connector with the user's own sign-in to
 * the clouds, and a local web UI on 127.0.0.1.
 * @packageDocumentation
 */
export * from './composition.js';
export * from './desktop-app.js';
export * from './desktop-paths.js';
export * from './auth/interactive-provider.js';
export * from './auth/token-vault.js';
export * from './auth/os-keychain.js';
export * from './auth/user-token-store.js';
export * from './auth/token-set-provider.js';
export * from './auth/microsoft-sign-in.js';
export * from './auth/dropbox-sign-in.js';
export * from './auth/oauth-code-provider.js';
export * from './auth/sign-ins.js';
export * from './ui/folder-link.js';
export * from './ui/naming-preview.js';
export * from './ui/security.js';
export * from './ui/settings.js';
export * from './ui/ui-server.js';
export * from './cli/run-desktop.js';

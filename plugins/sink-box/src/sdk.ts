/**
 * The Box plugin's SDK-bound parts, for code that drives box-node-sdk itself: importing this
 * entry loads the SDK. The plugin's main entry loads them only when a Box target or credential
 * is first used.
 * @packageDocumentation
 */
export { BoxSink, type BoxSinkOptions } from './box-sink.js';
export { BoxTokenProvider, boxTokenProvider } from './box-token-provider.js';
export type { BoxAuthPlan } from './box-credentials.js';
export { boxNetworkSession } from './box-network.js';
export { mapBoxError } from './box-errors.js';

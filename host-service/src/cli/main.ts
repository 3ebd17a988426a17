#!/usr/bin/env node
// Sizes V8's young generation before the commands' modules are loaded (loading them is what
// would grow it), then runs the CLI.
import './young-generation.js';

await import('./program.js');

/**
 * centrifuge-go (the official Go SDK, as pinned by test/interop/go/go.mod) against a Switchboard
 * node: connect with a token, subscribe, live publications, presence, history and recovery across
 * server-initiated reconnects. The scenarios are in sdk-suite.ts, shared with the Python SDK.
 */
import { deltaSuite } from './delta-suite.js';
import { sdkSuite } from './sdk-suite.js';

sdkSuite('go');
deltaSuite('go');

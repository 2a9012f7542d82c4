/**
 * centrifuge-python (the official Python SDK, as pinned by test/interop/python/requirements.txt)
 * against a Switchboard node: connect with a token, subscribe, live publications, presence, history
 * and recovery across server-initiated reconnects. The scenarios are in sdk-suite.ts, shared with
 * the Go SDK.
 */
import { deltaSuite } from './delta-suite.js';
import { sdkSuite } from './sdk-suite.js';

sdkSuite('python');
deltaSuite('python');

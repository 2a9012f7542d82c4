/**
 * centrifuge-java (the official Java SDK, as pinned by test/interop/java/pom.xml) against a
 * Switchboard node: connect with a token, subscribe, live publications, presence, history and
 * recovery across server-initiated reconnects. The SDK speaks Protobuf only, so the scenarios of
 * sdk-suite.ts run in that protocol alone.
 */
import { sdkSuite } from './sdk-suite.js';

sdkSuite('java');

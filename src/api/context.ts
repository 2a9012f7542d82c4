import type { GatewayNode } from '../gateway/node.js';
import type { Params } from '../gateway/params.js';

/** An API method: validated params in, the result as JSON text out. Throws CommandError for API errors. */
export type ApiMethod = (node: GatewayNode, params: Params) => Promise<string>;

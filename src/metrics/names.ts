/** Every metric of a node starts with this prefix. */
export const METRIC_PREFIX = 'switchboard_';

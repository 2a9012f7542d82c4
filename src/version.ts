/** Switchboard's version, reported in connect replies and `info`. */
export const VERSION = '0.1.0';

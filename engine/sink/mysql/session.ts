// Session settings of every sink connection.
/**
 * Session settings for writing: UTC (TIMESTAMPs are exchanged in UTC), strict mode without NO_ZERO_DATE /
 * NO_ZERO_IN_DATE (zero dates copy as they are, anything invalid is an error, never truncated),
 * NO_AUTO_VALUE_ON_ZERO (a 0 in an AUTO_INCREMENT column stays 0), no foreign key checks (load order).
 */
export const STRICT_MODE = "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";
export const LENIENT_MODE = "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'";
export const SINK_SESSION = [
  STRICT_MODE,
  // Every warning of a batch must be visible to be checked (see mysql-writer.ts).
  'SET SESSION max_error_count = 65535',
  'SET SESSION foreign_key_checks = 0',
];

// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { fixParts } from '../fix-parts';

describe('preflight fixes as code and prose', () => {
  it('turns "in my.cnf under [mysqld]: …" into a pasteable [mysqld] block, the rest into prose', () => {
    expect(fixParts('in my.cnf under [mysqld]: log_bin = mysql-bin, server_id = 1, binlog_format = ROW, binlog_row_image = FULL; then restart the server')).toEqual([
      { kind: 'code', text: '[mysqld]\nlog_bin = mysql-bin\nserver_id = 1\nbinlog_format = ROW\nbinlog_row_image = FULL' },
      { kind: 'text', text: "Add these lines to the server's my.cnf (or a file in its conf.d folder); then restart the server." },
    ]);
  });

  it('keeps a statement as code and its note as prose, then the my.cnf block', () => {
    expect(fixParts("SET GLOBAL binlog_format = 'ROW'; and in my.cnf under [mysqld]: binlog_format = ROW (applies to new sessions: reconnect applications)")).toEqual([
      { kind: 'code', text: "SET GLOBAL binlog_format = 'ROW';" },
      { kind: 'code', text: '[mysqld]\nbinlog_format = ROW' },
      { kind: 'text', text: "Add these lines to the server's my.cnf (or a file in its conf.d folder); applies to new sessions: reconnect applications." },
    ]);
    expect(fixParts("SET PERSIST binlog_format = 'ROW'; (applies to new sessions: reconnect applications)")).toEqual([
      { kind: 'code', text: "SET PERSIST binlog_format = 'ROW';" },
      { kind: 'text', text: 'applies to new sessions: reconnect applications' },
    ]);
  });

  it('statements (one per line) are code; advice is prose, never in a code box', () => {
    expect(fixParts('GRANT SELECT ON `shop`.* TO cutover@`%`;\nGRANT SELECT ON `crm`.* TO cutover@`%`;')).toEqual([{ kind: 'code', text: 'GRANT SELECT ON `shop`.* TO cutover@`%`;\nGRANT SELECT ON `crm`.* TO cutover@`%`;' }]);
    expect(fixParts('Check the include/exclude patterns of the job, and that the user has SELECT on the databases.')).toEqual([
      { kind: 'text', text: 'Check the include/exclude patterns of the job, and that the user has SELECT on the databases.' },
    ]);
    expect(fixParts('Upgrade to MySQL 8.0+ or MariaDB 10.5+ to get binlog_row_metadata = FULL.')[0]!.kind).toBe('text');
  });
});

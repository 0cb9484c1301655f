// MySQL/MariaDB in the dashboard: its connection form, and its words in the wizard and the removal dialog.
import type { EndpointUi } from '../types';
import { MysqlProfileFields } from './MysqlFields';
import { mysqlFromProfile, mysqlProfile, mysqlSecrets, validateMysql, validateSsh } from './profile';

export const mysqlEndpoint: EndpointUi = {
  Fields: MysqlProfileFields,
  fromProfile: mysqlFromProfile,
  buildProfile: mysqlProfile,
  validate: (f, tls) => [...validateMysql(f), ...tls, ...validateSsh(f)],
  secrets: mysqlSecrets,
  defaultPort: '3306',
  sshTunnel: true,
  sinkNote: 'MySQL/MariaDB sink: databases and tables can be renamed in the next step.',
  cleanLabel: (
    <>
      Also delete its checkpoint row on the sink (<code>_cutover</code>.<code>cutover_checkpoint</code>)
    </>
  ),
};

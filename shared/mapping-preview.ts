// The wizard's mapping preview for a sink that creates typed tables (PostgreSQL): per column of one
// selected table, the source type → the sink type by the sink's own rules (or the operator's override),
// and a few real rows from the source: each value as the source holds it and as it lands on the sink,
// with the values the sink cannot hold under the job's policy marked.

export interface MappingPreviewSample {
  /** The value as the source holds it (text; binary as 0x…; long values cut); null for NULL. */
  source: string | null;
  /** The value as it lands on the sink (the sink's text form); null for NULL or when it cannot land. */
  sink: string | null;
  /** The sink cannot hold the value as it is (a zero date, a NUL in text): the policy decides what lands. */
  unholdable?: boolean;
  /** The copy would stop on this value under the job's policy: the sink's message, naming the fix. */
  problem?: string;
}

export interface MappingPreviewColumn {
  name: string;
  /** The source's column type, e.g. "datetime(6)". */
  sourceType: string;
  /** The sink's type, e.g. "timestamp(6)"; null when the sink has no rule for the source type. */
  sinkType: string | null;
  /** The rule applied ("DATETIME(n) → timestamp(n)", or "job file: … → …" for an override). */
  rule: string;
  /** The type comes from the operator's override. */
  overridden: boolean;
  nullable: boolean;
  /** Part of the table's chunk key. */
  key: boolean;
  /** One sample per row read, in the order of `MappingPreview.rows`. */
  samples: MappingPreviewSample[];
  /** Why the column cannot be created (no rule for its type), with the fix. */
  error?: string;
}

export interface MappingPreview {
  /** The source table, "db.table". */
  table: string;
  /** Where it goes on the sink ("schema.table" for PostgreSQL). */
  sinkTable: string;
  /** Rows read from the source (up to the limit asked). */
  rows: number;
  /** The job's policy for values the sink cannot hold, as the sink names it ("stop", "null", …). */
  policy: string;
  columns: MappingPreviewColumn[];
}
